package render_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// peer is a pod that may try to connect: a component of the stack (by its
// app.kubernetes.io/name), an unlabelled pod of the stack's namespace, or a
// pod of another namespace.
type peer struct {
	name      string
	namespace string
	labels    map[string]string
}

// netpolPeers is every kind of client the matrix considers.
func netpolPeers(instance, ns string) []peer {
	var out []peer
	for _, c := range []string{"authz", "bootstrap", "envoy", "hydra", "kratos", "oathkeeper", "token-hook", "ui"} {
		out = append(out, peer{name: c, namespace: ns, labels: map[string]string{"app.kubernetes.io/name": c, "app.kubernetes.io/instance": instance}})
	}
	out = append(out,
		peer{name: "stranger", namespace: ns, labels: map[string]string{"app": "other"}},
		peer{name: "ns:envoy-gateway-system", namespace: "envoy-gateway-system", labels: map[string]string{"app": "envoy"}},
		peer{name: "ns:istio-system", namespace: "istio-system", labels: map[string]string{"istio": "ingressgateway"}},
		peer{name: "ns:ingress-nginx", namespace: "ingress-nginx", labels: map[string]string{"app.kubernetes.io/name": "ingress-nginx"}},
		peer{name: "ns:elsewhere", namespace: "elsewhere", labels: map[string]string{"app.kubernetes.io/name": "hydra", "app.kubernetes.io/instance": instance}},
	)
	return out
}

func selects(t *testing.T, sel *metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return s.Matches(labels.Set(l))
}

// reachable evaluates NetworkPolicy ingress rules the way the API defines
// them: a rule admits a peer on a port when the port is listed (or no port
// is) and a from entry matches (or there is none); podSelector alone means
// the policy's namespace, namespaceSelector alone means every pod there.
func reachable(t *testing.T, np *networkingv1.NetworkPolicy, p peer, port int) bool {
	t.Helper()
	for _, rule := range np.Spec.Ingress {
		portOK := len(rule.Ports) == 0
		for _, rp := range rule.Ports {
			if rp.Port != nil && rp.Port.IntValue() == port {
				portOK = true
			}
		}
		if !portOK {
			continue
		}
		if len(rule.From) == 0 {
			return true
		}
		for _, f := range rule.From {
			nsLabels := map[string]string{"kubernetes.io/metadata.name": p.namespace}
			switch {
			case f.PodSelector != nil && f.NamespaceSelector == nil:
				if p.namespace == np.Namespace && selects(t, f.PodSelector, p.labels) {
					return true
				}
			case f.PodSelector == nil && f.NamespaceSelector != nil:
				if selects(t, f.NamespaceSelector, nsLabels) {
					return true
				}
			case f.PodSelector != nil && f.NamespaceSelector != nil:
				if selects(t, f.NamespaceSelector, nsLabels) && selects(t, f.PodSelector, p.labels) {
					return true
				}
			default:
				t.Fatalf("%s: a from entry with neither selector (ipBlock?)", np.Name)
			}
		}
	}
	return false
}

// TestNetworkPolicyMatrix computes, from every rendered NetworkPolicy of
// every example, who can reach each port, and compares that with a matrix
// written by hand from the design, not from the goldens. "*" means every
// peer, "ns" every pod of the stack's namespace. One more peer on an admin,
// API, metrics, token-hook or authz port fails the test.
func TestNetworkPolicyMatrix(t *testing.T) {
	const absent = "(component not rendered)"
	common := map[string]string{
		"kratos:4433":     "*",
		"kratos:4434":     "bootstrap hydra token-hook ui",
		"hydra:4444":      "*",
		"hydra:4445":      "bootstrap kratos ui",
		"oathkeeper:9000": "ns",
		"ui:3000":         "*",
		"token-hook:4460": "hydra",
	}
	want := map[string]map[string]string{
		// No gateway: the proxy is open for one of the user's own.
		"minimal": {"oathkeeper:4455": "*", "oathkeeper:4456": ""},
		// The minimal stack on hack/cluster.sh's node, with the built-in UI.
		"local-cluster": {"oathkeeper:4455": "*", "oathkeeper:4456": ""},
		// Ingress target, controller namespace unknown: the proxy is open.
		"ingress": {"oathkeeper:4455": "*", "oathkeeper:4456": "", "authz:4480": "oathkeeper"},
		// The Envoy-based targets call the decision API only: the proxy,
		// a way round their normalisation, is closed.
		"internal-tools":   {"oathkeeper:4455": "", "oathkeeper:4456": "envoy", "authz:4480": "oathkeeper", "envoy:8080": "*"},
		"production":       {"oathkeeper:4455": "", "oathkeeper:4456": "ns:envoy-gateway-system", "hydra:4445": "bootstrap kratos oathkeeper ui"},
		"external-secrets": {"oathkeeper:4455": "", "oathkeeper:4456": "ns:istio-system"},
		// Ingress target with the controller's namespace (gateway.namespace):
		// the proxy admits only it; grafana needs a group.
		"staff-sso": {"oathkeeper:4455": "ns:ingress-nginx", "oathkeeper:4456": "", "authz:4480": "oathkeeper"},
	}
	for _, file := range examples(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		exp, ok := want[name]
		if !ok {
			t.Errorf("%s: no expected matrix; write one from the design", name)
			continue
		}
		expected := map[string]string{}
		for k, v := range common {
			expected[k] = v
		}
		for k, v := range exp {
			expected[k] = v
			if v == absent {
				delete(expected, k)
			}
		}
		got := map[string]string{}
		var instance, ns string
		var policies []*networkingv1.NetworkPolicy
		for _, o := range renderExample(t, file).Objects {
			if o.Kind != "NetworkPolicy" {
				continue
			}
			var np networkingv1.NetworkPolicy
			if err := yaml.UnmarshalStrict(o.YAML, &np); err != nil {
				t.Fatalf("%s: %v", o.Name, err)
			}
			if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
				t.Errorf("%s: %s does not restrict ingress", name, np.Name)
			}
			instance, ns = np.Labels["app.kubernetes.io/instance"], np.Namespace
			policies = append(policies, &np)
		}
		for _, np := range policies {
			component := np.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"]
			var ports []int
			for _, rule := range np.Spec.Ingress {
				for _, rp := range rule.Ports {
					ports = append(ports, rp.Port.IntValue())
				}
			}
			for _, closed := range []int{4455, 4456} {
				if component == "oathkeeper" && !slices.Contains(ports, closed) {
					ports = append(ports, closed) // closed to everyone: still checked
				}
			}
			for _, port := range ports {
				var who []string
				all, inNS := true, true
				for _, p := range netpolPeers(instance, ns) {
					if reachable(t, np, p, port) {
						who = append(who, p.name)
					} else {
						all = false
						if p.namespace == ns {
							inNS = false
						}
					}
				}
				nsOnly := inNS && !slices.ContainsFunc(who, func(s string) bool { return strings.HasPrefix(s, "ns:") })
				switch {
				case all:
					got[fmt.Sprintf("%s:%d", component, port)] = "*"
				case nsOnly && len(who) == len(slices.DeleteFunc(netpolPeers(instance, ns), func(p peer) bool { return p.namespace != ns })):
					got[fmt.Sprintf("%s:%d", component, port)] = "ns"
				default:
					got[fmt.Sprintf("%s:%d", component, port)] = strings.Join(who, " ")
				}
			}
		}
		for k, v := range expected {
			if g, ok := got[k]; !ok {
				t.Errorf("%s: no NetworkPolicy covers %s (want %q)", name, k, v)
			} else if g != v {
				t.Errorf("%s: %s is reachable from %q, want %q", name, k, g, v)
			}
		}
		for k, g := range got {
			if _, ok := expected[k]; !ok {
				t.Errorf("%s: %s reachable from %q is not in the expected matrix", name, k, g)
			}
		}
	}
}
