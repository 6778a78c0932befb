package render_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestIstioHostsAndNoServices: the CUSTOM policy lists every protected host
// with and without a port and a trailing dot (Istio strips neither), and a
// profile without protected services renders no CUSTOM policy at all (one
// with no hosts would match every host at the ingress gateway).
func TestIstioHostsAndNoServices(t *testing.T) {
	const head = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev, namespace: auth}
spec:
  domain: example.com
  gateway: {target: istio, denyAll: %s}
`
	const svc = `  services:
    - name: app
      hosts: [app.example.com]
      upstream: {url: "http://app.apps.svc.cluster.local:80"}
      allow: [session]
`
	for _, tc := range []struct {
		name, yml string
		custom    bool
	}{
		{"one service", head + svc, true},
		{"no services", head, false},
	} {
		for _, denyAll := range []string{"true", "false"} {
			t.Run(tc.name+" denyAll "+denyAll, func(t *testing.T) {
				p, err := profile.Parse("p.yaml", "", []byte(strings.Replace(tc.yml, "%s", denyAll, 1)))
				if err != nil {
					t.Fatal(err)
				}
				res, err := renderProfile(t, p)
				if err != nil {
					t.Fatal(err)
				}
				custom := ""
				for _, o := range res.Objects {
					if o.Kind == "AuthorizationPolicy" && strings.Contains(string(o.YAML), "action: CUSTOM") {
						custom = string(o.YAML)
					}
				}
				if (custom != "") != tc.custom {
					t.Fatalf("CUSTOM policy rendered: %t, want %t\n%s", custom != "", tc.custom, custom)
				}
				if !tc.custom {
					return
				}
				for _, h := range []string{"app.example.com", "app.example.com:*", "app.example.com.", "app.example.com.:*"} {
					if !strings.Contains(custom, "- "+h+"\n") {
						t.Errorf("the CUSTOM policy lacks %s:\n%s", h, custom)
					}
				}
			})
		}
	}
}
