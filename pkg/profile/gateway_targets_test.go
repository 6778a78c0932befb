package profile_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/wizard"
)

// TestGatewayTargetTableIsTheSource adds a throwaway target row (in this
// test only) and checks it reaches everything the table drives: the schema
// enum, the loader's allowed values and hints, the defaults, the TLS rule,
// the ingress-class rule, the NetworkPolicy callers and the wizard's
// choices, with no other file edited.
func TestGatewayTargetTableIsTheSource(t *testing.T) {
	saved := profile.GatewayTargets
	t.Cleanup(func() { profile.GatewayTargets = saved })
	profile.GatewayTargets = append(slices.Clone(saved), profile.GatewayTarget{
		Name: "throwaway", DefaultNamespace: "throwaway-system", DefaultSelector: map[string]string{"app": "tw"},
		TLSObject: "the Route", NeedsIngressClass: true, DecisionAPI: profile.CallerNamespace,
	})

	raw, err := profile.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	if got := schema.Defs["Gateway"].Properties["target"].Enum; !slices.Equal(got, profile.GatewayTargetNames()) || !slices.Contains(got, "throwaway") {
		t.Errorf("schema enum of spec.gateway.target = %v, want the table's %v", got, profile.GatewayTargetNames())
	}
	if got := wizard.GatewayChoices(); !slices.Contains(got, "throwaway") {
		t.Errorf("wizard choices %v lack the new row", got)
	}
	if err := (wizard.Answers{Name: "dev", Namespace: "auth", Domain: "example.com", Gateway: "throwaway", IngressClass: "nginx", Database: "sqlite"}).Check(); err != nil && strings.Contains(err.Error(), "unknown gateway") {
		t.Errorf("wizard refuses the new row: %v", err)
	}
	if !(wizard.Answers{Gateway: "throwaway"}).NeedsTLS() || !(wizard.Answers{Gateway: "throwaway"}).NeedsIngressClass() {
		t.Error("the wizard does not ask the new row's TLS and ingress class")
	}

	doc := header + "  gateway:\n    target: throwaway\n    ingressClassName: nginx\n    tlsSecretName: tw-tls\n"
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(doc))
	if err != nil {
		t.Fatalf("the loader refuses the new row: %v", err)
	}
	g := p.Spec.Gateway
	if g.Namespace != "throwaway-system" || g.Selector["app"] != "tw" {
		t.Errorf("defaults: namespace %q, selector %v", g.Namespace, g.Selector)
	}
	w := p.Wiring()
	if !slices.Equal(w.OathkeeperAPINamespaces, []string{"throwaway-system"}) || len(w.OathkeeperAPIPeers) != 0 || w.OathkeeperProxyOpen || len(w.OathkeeperProxyNamespaces) != 0 {
		t.Errorf("NetworkPolicy callers: api peers %v, api namespaces %v, proxy open %v, proxy namespaces %v",
			w.OathkeeperAPIPeers, w.OathkeeperAPINamespaces, w.OathkeeperProxyOpen, w.OathkeeperProxyNamespaces)
	}

	for _, c := range []struct{ name, doc, want string }{
		{"tls rule", header + "  gateway:\n    target: throwaway\n    ingressClassName: nginx\n", "the Route gets no certificate"},
		{"ingress class rule", header + "  gateway:\n    target: throwaway\n    tlsSecretName: tw-tls\n", "the throwaway target needs an ingress class"},
		{"did you mean", header + "  gateway:\n    target: throwawy\n", `did you mean "throwaway"`},
	} {
		_, err := profile.Parse("p.yaml", t.TempDir(), []byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

// TestGatewayTargetNames: the table's order is the enum's and the
// wizard's, with none first (the default when there is no service).
func TestGatewayTargetNames(t *testing.T) {
	want := []string{"none", "envoy", "envoy-gateway", "istio", "ingress"}
	if got := profile.GatewayTargetNames(); !slices.Equal(got, want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	if got := profile.LookupGatewayTarget("nope"); got.Name != "nope" || got.TLSObject != "" || got.DecisionAPI != profile.CallerNobody {
		t.Errorf("an unknown name's row = %+v, want the zero row", got)
	}
}

// TestGatewayTargetCallers pins who each real target's NetworkPolicies
// admit to Oathkeeper's decision API and proxy port, with and without
// gateway.namespace.
func TestGatewayTargetCallers(t *testing.T) {
	for _, c := range []struct {
		gateway                 string
		apiPeers, apiNamespaces []string
		proxyOpen               bool
		proxyNamespaces         []string
	}{
		{"{target: none}", []string{}, []string{}, true, []string{}},
		{"{target: none, namespace: gw}", []string{}, []string{}, false, []string{"gw"}},
		{"{target: envoy}", []string{"envoy"}, []string{}, false, []string{}},
		{"{target: envoy, namespace: gw}", []string{"envoy"}, []string{}, false, []string{}},
		{"{target: envoy-gateway, tlsSecretName: t}", []string{}, []string{"envoy-gateway-system"}, false, []string{}},
		{"{target: envoy-gateway, tlsSecretName: t, namespace: gw}", []string{}, []string{"gw"}, false, []string{}},
		{"{target: istio}", []string{}, []string{"istio-system"}, false, []string{}},
		{"{target: ingress, ingressClassName: nginx, tlsSecretName: t}", []string{}, []string{}, true, []string{}},
		{"{target: ingress, ingressClassName: nginx, tlsSecretName: t, namespace: gw}", []string{}, []string{}, false, []string{"gw"}},
	} {
		p, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+"  gateway: "+c.gateway+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", c.gateway, err)
		}
		w := p.Wiring()
		if !slices.Equal(w.OathkeeperAPIPeers, c.apiPeers) || !slices.Equal(w.OathkeeperAPINamespaces, c.apiNamespaces) ||
			w.OathkeeperProxyOpen != c.proxyOpen || !slices.Equal(w.OathkeeperProxyNamespaces, c.proxyNamespaces) {
			t.Errorf("%s: api peers %v, api namespaces %v, proxy open %v, proxy namespaces %v", c.gateway,
				w.OathkeeperAPIPeers, w.OathkeeperAPINamespaces, w.OathkeeperProxyOpen, w.OathkeeperProxyNamespaces)
		}
	}
}
