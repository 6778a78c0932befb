package render_test

import (
	"sort"
	"strings"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	extauthzv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/http/early_header_mutation/header_mutation/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// envoyBootstrap parses a bootstrap strictly: unknown fields fail, and every
// typed_config must resolve to a registered extension.
func envoyBootstrap(t *testing.T, data []byte) *bootstrapv3.Bootstrap {
	t.Helper()
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var b bootstrapv3.Bootstrap
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(js, &b); err != nil {
		t.Fatalf("bootstrap does not unmarshal into envoy.config.bootstrap.v3.Bootstrap: %v", err)
	}
	if err := b.ValidateAll(); err != nil {
		t.Fatalf("bootstrap fails validation: %v", err)
	}
	return &b
}

func TestEnvoyBootstrapIsValid(t *testing.T) {
	checked := 0
	for _, file := range examples(t) {
		res := renderExample(t, file)
		for _, o := range res.Objects {
			if o.Kind != "ConfigMap" || !strings.Contains(o.Name, "-envoy-config-") {
				continue
			}
			checked++
			var cm struct{ Data map[string]string }
			if err := yaml.Unmarshal(o.YAML, &cm); err != nil {
				t.Fatal(err)
			}
			b := envoyBootstrap(t, []byte(cm.Data["envoy.yaml"]))
			p, _ := profile.Load(file)
			rs := render.BuildRules(p)
			hcm := &hcmv3.HttpConnectionManager{}
			if err := b.StaticResources.Listeners[0].FilterChains[0].Filters[0].GetTypedConfig().UnmarshalTo(hcm); err != nil {
				t.Fatal(err)
			}
			az := &extauthzv3.ExtAuthz{}
			if err := hcm.HttpFilters[0].GetTypedConfig().UnmarshalTo(az); err != nil {
				t.Fatal(err)
			}
			if az.FailureModeAllow {
				t.Error("failure_mode_allow must be false")
			}
			svc := az.GetHttpService()
			if svc.PathPrefix != "/decisions" || !strings.Contains(svc.ServerUri.Uri, "oathkeeper-api") {
				t.Errorf("ext_authz goes to %s%s, want the Oathkeeper api /decisions", svc.ServerUri.Uri, svc.PathPrefix)
			}
			var up []string
			for _, m := range svc.GetAuthorizationResponse().GetAllowedUpstreamHeaders().GetPatterns() {
				up = append(up, m.GetExact())
			}
			sort.Strings(up)
			if strings.Join(up, ",") != strings.Join(rs.UpstreamHeaders, ",") {
				t.Errorf("allowed_upstream_headers %v, want exactly the mutators' headers %v", up, rs.UpstreamHeaders)
			}
			// One virtual host per protected host, plus the stack's own and the default.
			hosts := map[string]bool{}
			for _, vh := range hcm.GetRouteConfig().VirtualHosts {
				hosts[vh.Domains[0]] = true
			}
			for _, s := range p.Spec.Services {
				for _, h := range s.Hosts {
					if !hosts[h] {
						t.Errorf("no virtual host for %s", h)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no example renders the envoy target")
	}
}

// TestEnvoyValidationCatchesMistakes proves the check above can fail.
func TestEnvoyValidationCatchesMistakes(t *testing.T) {
	bad := []string{
		// A misspelt field inside a typed_config.
		`static_resources: {listeners: [{name: l, address: {socket_address: {address: 0.0.0.0, port_value: 80}}, filter_chains: [{filters: [{name: hcm, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, stat_prefix: x, http_filters: [{name: a, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz, failure_mode_alow: false}}]}}]}]}]}`,
		// A port out of range.
		`static_resources: {listeners: [{name: l, address: {socket_address: {address: 0.0.0.0, port_value: 80800}}}]}`,
	}
	for _, b := range bad {
		js, _ := yaml.YAMLToJSON([]byte(b))
		var bs bootstrapv3.Bootstrap
		err := protojson.Unmarshal(js, &bs)
		if err == nil {
			err = bs.ValidateAll()
		}
		if err == nil {
			t.Errorf("accepted a bad bootstrap: %s", b)
		}
	}
}
