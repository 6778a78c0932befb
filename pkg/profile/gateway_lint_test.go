package profile_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestInternalAPIsAreNeverUpstreams: a service may not publish the stack's
// admin APIs, Oathkeeper's decision API or proxy, or the in-cluster servers,
// whichever way the upstream names them, anonymous or not. Each error points
// at the upstream field.
func TestInternalAPIsAreNeverUpstreams(t *testing.T) {
	one := func(upstream string) string {
		return "  services:\n    - name: a\n      hosts: [a.example.com]\n      upstream: " + upstream + "\n      allow: [anonymous]\n"
	}
	cases := []struct {
		name, upstream, want, at string
	}{
		{"kratos admin service", "{service: dev-kratos-admin, port: 80}", "the Kratos admin API", "p.yaml:10:27"},
		{"hydra admin service", "{service: dev-hydra-admin, port: 4445}", "the Hydra admin API", "p.yaml:10:27"},
		{"hydra admin, namespace given", "{service: dev-hydra-admin, namespace: dev, port: 4445}", "the Hydra admin API", "p.yaml:10:27"},
		{"oathkeeper api service", "{service: dev-oathkeeper-api, port: 4456}", "Oathkeeper's decision API", "p.yaml:10:27"},
		{"oathkeeper proxy loop", "{service: dev-oathkeeper-proxy, port: 4455}", "Oathkeeper's proxy", "p.yaml:10:27"},
		{"authz", "{service: dev-authz, port: 4480}", "group-check server", "p.yaml:10:27"},
		{"token hook", "{service: dev-token-hook, port: 4460}", "token hook", "p.yaml:10:27"},
		{"admin port of a public service", "{service: dev-kratos-public, port: 4434}", "the Kratos admin port", "p.yaml:10:52"},
		{"url, short name", `{url: "http://dev-kratos-admin:4434"}`, "the Kratos admin API", "p.yaml:10:23"},
		{"url, namespaced", `{url: "http://dev-hydra-admin.dev:4445/admin"}`, "the Hydra admin API", "p.yaml:10:23"},
		{"url, fqdn with dot and case", `{url: "http://DEV-HYDRA-ADMIN.dev.svc.cluster.local.:4445"}`, "the Hydra admin API", "p.yaml:10:23"},
		{"url, admin port of a public service", `{url: "http://dev-hydra-public.dev.svc:4445"}`, "the Hydra admin port", "p.yaml:10:23"},
		// Not internal: the same names in another namespace, or other ports.
		{"same name elsewhere", "{service: dev-kratos-admin, namespace: tools, port: 80}", "", ""},
		{"url in another namespace, another port", `{url: "http://dev-kratos-admin.tools:8080"}`, "", ""},
		// Any name on an internal port: an ExternalName Service (or any DNS
		// alias) can lead to the stack's own Service, and keeps the port.
		{"url in another namespace on an admin port", `{url: "http://dev-kratos-admin.tools:4434"}`, "an ExternalName Service", "p.yaml:10:23"},
		{"external name alias", `{url: "http://kratos-alias.tools.svc:4434"}`, "the Kratos admin port, which any name", "p.yaml:10:23"},
		{"alias service on the hydra admin port", "{service: hydra-alias, namespace: tools, port: 4445}", "the Hydra admin port, which any name", "p.yaml:10:64"},
		{"a public service", "{service: dev-kratos-public, port: 4433}", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+one(tc.upstream)))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "never published") {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.at) {
				t.Fatalf("error %v, want it at %s", err, tc.at)
			}
		})
	}
}

func TestIstioSelectorLint(t *testing.T) {
	const svcs = "  services:\n    - name: a\n      hosts: [a.example.com]\n      upstream: {url: \"http://up:80\"}\n      allow: [session]\n"
	cases := []struct{ name, gateway, want string }{
		{"default selector", "  gateway: {target: istio, denyAll: true}\n", ""},
		{"empty selector", "  gateway: {target: istio, selector: {}}\n", "to the whole mesh"},
		{"selector picks the stack", "  gateway: {target: istio, selector: {app.kubernetes.io/part-of: authctl}}\n", "picks the stack's own pods"},
		{"selector picks this instance", "  gateway: {target: istio, selector: {app.kubernetes.io/instance: dev}}\n", "picks the stack's own pods"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+tc.gateway+svcs))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if g := p.Spec.Gateway; g.Namespace != "istio-system" || g.Selector["istio"] != "ingressgateway" {
					t.Fatalf("defaults: namespace %q selector %v", g.Namespace, g.Selector)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "p.yaml:7:") {
				t.Fatalf("error %v, want %q at spec.gateway.selector", err, tc.want)
			}
		})
	}
}

// TestAPIPeers pins who may call each internal API: the NetworkPolicies are
// rendered from these lists.
// TestClusterDomain: every in-cluster name ends in spec.clusterDomain, and
// the admin-API lint knows the stack's Services under it.
func TestClusterDomain(t *testing.T) {
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+"  clusterDomain: corp.internal\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := p.Wiring()
	for _, u := range []string{w.KratosAdminInternalURL, w.HydraAdminInternalURL, w.OathkeeperAPIInternalURL, w.CheckSessionURL, w.AuthzURL, w.TokenHookURL, w.OathkeeperAPIHost} {
		if !strings.Contains(u, ".dev.svc.corp.internal") {
			t.Errorf("%s does not end in the cluster domain", u)
		}
	}
	_, err = profile.Parse("p.yaml", t.TempDir(), []byte(header+"  clusterDomain: corp.internal\n  services:\n    - {name: a, hosts: [a.example.com], upstream: {url: \"http://dev-hydra-admin.dev.svc.corp.internal:4445\"}, allow: [anonymous], forward: {mode: passthrough}}\n"))
	if err == nil || !strings.Contains(err.Error(), "upstream is the Hydra admin API") {
		t.Errorf("the Hydra admin API under the cluster domain: %v", err)
	}
}

func TestAPIPeers(t *testing.T) {
	cases := []struct {
		name, spec                          string
		kratosAdmin, hydraAdmin, oathkeeper []string
		namespaces                          []string
	}{
		{"envoy, everything on", "  gateway: {target: envoy}\n  services:\n    - {name: a, hosts: [a.example.com], upstream: {url: \"http://up:80\"}, allow: [oauth2_introspection], audience: [https://a.example.com]}\n",
			[]string{"bootstrap", "hydra", "token-hook", "ui"}, []string{"bootstrap", "kratos", "oathkeeper", "ui"}, []string{"envoy"}, []string{}},
		{"envoy gateway", "  gateway: {target: envoy-gateway, tlsSecretName: example-com-tls}\n  services:\n    - {name: a, hosts: [a.example.com], upstream: {url: \"http://up:80\"}, allow: [session]}\n",
			[]string{"bootstrap", "hydra", "token-hook", "ui"}, []string{"bootstrap", "kratos", "ui"}, []string{}, []string{"envoy-gateway-system"}},
		// Ory's UI reads no identity: its consent sets no groups.
		{"ory's ui", "  ui: {implementation: ory}\n",
			[]string{"bootstrap", "hydra", "token-hook"}, []string{"bootstrap", "kratos", "ui"}, []string{}, []string{}},
		{"ingress, no kubernetes, no ui", "  components: {ui: {enabled: false}}\n  kubernetes: {enabled: false}\n  gateway: {target: ingress, ingressClassName: nginx, externalTLS: true}\n  services:\n    - {name: a, hosts: [a.example.com], upstream: {url: \"http://up:80\"}, allow: [session]}\n",
			[]string{"bootstrap", "hydra"}, []string{"bootstrap", "kratos"}, []string{}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			w := p.Wiring()
			for _, c := range []struct {
				what      string
				got, want []string
			}{{"kratos admin", w.KratosAdminPeers, tc.kratosAdmin}, {"hydra admin", w.HydraAdminPeers, tc.hydraAdmin}, {"oathkeeper api", w.OathkeeperAPIPeers, tc.oathkeeper}, {"oathkeeper namespaces", w.OathkeeperAPINamespaces, tc.namespaces}} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s peers %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}
