package profile

import "testing"

// The stack's internal APIs are refused as upstreams by Service name, by
// in-namespace URL and, for any other name or an IP, by their ports.
func TestUpstreamIsInternal(t *testing.T) {
	p, err := Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w := p.Wiring()
	for _, tc := range []struct {
		u     Upstream
		field string
	}{
		{Upstream{Service: w.KratosAdminService, Port: KratosAdminPort}, "service"},
		{Upstream{Service: "elsewhere", Port: HydraAdminPort}, "port"},
		{Upstream{URL: "http://" + w.HydraAdminService + "." + w.Namespace + ".svc:4445"}, "url"},
		{Upstream{URL: "http://10.0.0.7:4434"}, "url"},
		{Upstream{Service: "app", Port: 8080}, ""},
		{Upstream{URL: "http://10.0.0.7:8080"}, ""},
	} {
		if field, what := upstreamIsInternal(w, tc.u); field != tc.field {
			t.Errorf("%+v: %q %q, want field %q", tc.u, field, what, tc.field)
		}
	}
}
