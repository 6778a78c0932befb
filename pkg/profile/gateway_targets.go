package profile

import (
	"slices"

	"github.com/invopop/jsonschema"
)

// Caller names who a gateway target sends to one of Oathkeeper's ports,
// and so whom that port's NetworkPolicy admits.
type Caller int

const (
	// CallerNobody: the target never calls the port; it stays closed.
	CallerNobody Caller = iota
	// CallerEnvoyPods: the stack's own Envoy pods (app.kubernetes.io/name: envoy).
	CallerEnvoyPods
	// CallerNamespace: the pods of gateway.namespace, whose labels the
	// stack does not own; nobody when the namespace is empty.
	CallerNamespace
	// CallerNamespaceOrAny: the pods of gateway.namespace when it is set,
	// else every caller (an ingress controller's namespace is not known).
	CallerNamespaceOrAny
)

// GatewayTarget is one row of the gateway target table: everything the
// profile (schema enum, defaults, validation, NetworkPolicy peers) and the
// wizard know about a target. What it renders lives in pkg/render, one
// gateway_<target>.go and one templates/gateway-<target>.yaml each
// (docs/architecture.md, "Add a gateway target").
type GatewayTarget struct {
	// Name is the spec.gateway.target value.
	Name string
	// DefaultNamespace is gateway.namespace when the profile leaves it empty.
	DefaultNamespace string
	// DefaultSelector is gateway.selector when the profile leaves it nil.
	DefaultSelector map[string]string
	// TLSObject names the object that terminates TLS ("the Ingress") when
	// the target does: with spec.tls it then needs gateway.tlsSecretName
	// or externalTLS, and render lists the certificate Secret to create.
	TLSObject string
	// NeedsIngressClass: gateway.ingressClassName is required.
	NeedsIngressClass bool
	// DecisionAPI and Proxy say who calls Oathkeeper's decision API and
	// its proxy port (Wiring's OathkeeperAPI* and OathkeeperProxy* fields).
	// The proxy has no peer list for pods: CallerEnvoyPods there keeps it
	// closed, as CallerNobody does.
	DecisionAPI, Proxy Caller
	// Check adds target-specific findings to validateServices (nil: none).
	Check func(p *Profile, add func(path, hint, format string, args ...any))
}

// GatewayTargets is the table, in the order the schema enum, the loader's
// "allowed:" hints and the wizard list them.
var GatewayTargets = []GatewayTarget{
	{Name: "none", Proxy: CallerNamespaceOrAny},
	{Name: "envoy", DecisionAPI: CallerEnvoyPods},
	{Name: "envoy-gateway", DefaultNamespace: "envoy-gateway-system", TLSObject: "the Gateway", DecisionAPI: CallerNamespace},
	{Name: "istio", DefaultNamespace: "istio-system", DefaultSelector: map[string]string{"istio": "ingressgateway"}, DecisionAPI: CallerNamespace, Check: checkIstio},
	{Name: "ingress", TLSObject: "the Ingress", NeedsIngressClass: true, Proxy: CallerNamespaceOrAny},
}

// GatewayTargetNames lists the targets' names in table order.
func GatewayTargetNames() []string {
	out := make([]string, len(GatewayTargets))
	for i, t := range GatewayTargets {
		out[i] = t.Name
	}
	return out
}

// LookupGatewayTarget returns the row of a target name; the zero row (no
// defaults, no callers) for an unknown one, which the loader rejects.
func LookupGatewayTarget(name string) GatewayTarget {
	if i := slices.IndexFunc(GatewayTargets, func(t GatewayTarget) bool { return t.Name == name }); i >= 0 {
		return GatewayTargets[i]
	}
	return GatewayTarget{Name: name}
}

// JSONSchemaExtend gives spec.gateway.target the table's names as its enum
// (the loader reads the same list through the enumFrom tag).
func (Gateway) JSONSchemaExtend(s *jsonschema.Schema) {
	if t, ok := s.Properties.Get("target"); ok {
		t.Enum = nil
		for _, n := range GatewayTargetNames() {
			t.Enum = append(t.Enum, n)
		}
	}
}

// enumTables are the enums a jsonschema tag names with enumFrom=KEY
// instead of listing, read at each use so the table stays the one source.
var enumTables = map[string]func() []string{
	"gatewayTargets": GatewayTargetNames,
}

// checkIstio is the istio target's row check: its AuthorizationPolicy's
// selector must pick the ingress gateway's pods, not every workload and not
// the stack's own.
func checkIstio(p *Profile, add func(path, hint, format string, args ...any)) {
	g := p.Spec.Gateway
	if len(g.Selector) == 0 {
		add("spec.gateway.selector", "select the ingress gateway's pods, for example istio: ingressgateway", "an Istio policy without a selector applies to every workload of its namespace (in the root namespace, to the whole mesh), the stack's own included")
	} else if g.Selector["app.kubernetes.io/instance"] == p.Metadata.Name || g.Selector["app.kubernetes.io/part-of"] == "authctl" {
		add("spec.gateway.selector", "select the ingress gateway's pods, for example istio: ingressgateway", "the selector picks the stack's own pods, so Oathkeeper would be asked about its own traffic and deny-all would cut the stack off")
	}
}
