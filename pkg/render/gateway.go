package render

import (
	"maps"
	"slices"

	"github.com/authctl/authctl/pkg/profile"
)

// Ports of the gateway workloads.
const (
	EnvoyPort      = 8080
	EnvoyAdminPort = 9901
)

// decisionTimeout bounds every ext_authz call to Oathkeeper.
const decisionTimeout = "0.5s"

// headersToOathkeeper are the request headers Oathkeeper's authenticators
// and error handlers read. Never X-Forwarded-Method, -Uri or -Host: Oathkeeper
// would judge those instead of the request (api/decision.go), and a client
// can send them. Without them it judges the check request itself: the
// method, the normalised path and the :authority the data plane routed on.
var headersToOathkeeper = []string{"cookie", "authorization", "accept", "x-session-token"}

// xForwardedProto is sent to Oathkeeper for the redirect handler's return
// URL; every target sets it from configuration or from the connection, never
// from the client (see docs/gateways.md, threat model).
const xForwardedProto = "x-forwarded-proto"

// headersToClientOnDeny are Oathkeeper's answer headers a denied browser needs.
var headersToClientOnDeny = []string{"location", "set-cookie", "content-type", "www-authenticate"}

// endpoint is one of the stack's own public hosts and the Service behind it.
type endpoint struct {
	host, service string
	port          int
}

// ownEndpoints are the stack's public hosts (login UI, Kratos public,
// Hydra public) of the enabled components, in that order.
func ownEndpoints(m *model) []endpoint {
	w := m.w
	c := m.p.Spec.Components
	var out []endpoint
	for _, x := range []struct {
		on *bool
		e  endpoint
	}{
		{c.UI.Enabled, endpoint{w.AuthHost, w.UIService, profile.UIPort}},
		{c.Kratos.Enabled, endpoint{w.KratosHost, w.KratosPublicService, profile.KratosPublicPort}},
		{c.Hydra.Enabled, endpoint{w.HydraHost, w.HydraPublicService, profile.HydraPublicPort}},
	} {
		if profile.On(x.on) {
			out = append(out, x.e)
		}
	}
	return out
}

// gatewayRender is what a gateway target renders beyond the values every
// target gets and its template (templates/gateway-<target>.yaml): a
// ConfigMap of its own, values only its template reads. The profile's row
// (profile.GatewayTargets) holds the rest; a target with neither has no
// entry here.
type gatewayRender struct {
	// config returns a ConfigMap's name and files.
	config func(m *model) (string, map[string][]byte, error)
	// values fills the target's own fields of gatewayValues.
	values func(m *model, v *gatewayValues) error
	// sizeHint says what to do when the ConfigMap outgrows one object.
	sizeHint string
}

// gatewayRenders are the targets' render entries, one Go file each
// (gateway_<target>.go).
var gatewayRenders = map[string]gatewayRender{
	"envoy":   {config: envoyConfig, sizeHint: "one Envoy bootstrap cannot hold this many services; use the envoy-gateway or istio target, which scale by object"},
	"istio":   {values: istioValues},
	"ingress": {values: ingressValues},
}

// gatewayValues is what the gateway templates see as .Values.gateway.
type gatewayValues struct {
	Target   string            `json:"target"`
	Services []gatewayService  `json:"services"`
	Own      []gatewayEndpoint `json:"own"`
	// UpstreamHeaders go to upstreams on allow; HeadersToAuth to
	// Oathkeeper (Envoy Gateway's listeners use the remote address with no
	// trusted hops, so Envoy overwrites the client's x-forwarded-proto);
	// Neutralized are removed before routing.
	UpstreamHeaders  []string          `json:"upstreamHeaders"`
	HeadersToAuth    []string          `json:"headersToAuth"`
	Neutralized      []string          `json:"neutralized"`
	IngressClassName string            `json:"ingressClassName"`
	GatewayClassName string            `json:"gatewayClassName"`
	TLSSecretName    string            `json:"tlsSecretName"`
	DenyAll          bool              `json:"denyAll"`
	Selector         map[string]string `json:"selector"`
	IstioHosts       []string          `json:"istioHosts"`
	IstioOwnHosts    []string          `json:"istioOwnHosts"`
	Namespace        string            `json:"namespace"`
	Image            string            `json:"image"`
	EnvoyPort        int               `json:"envoyPort"`
	IstioProvider    string            `json:"istioProvider"`
	RefNamespaces    []string          `json:"refNamespaces"`
	Ingresses        []ingressChunk    `json:"ingresses"`
	// IstioValues is the meshConfig snippet (istio target only).
	IstioValues string `json:"istioValues,omitempty"`
}

// gatewayService is one protected service as the gateway routes it.
type gatewayService struct {
	Name      string   `json:"name"`
	Hosts     []string `json:"hosts"`
	Paths     []string `json:"paths"`
	Service   string   `json:"service"`
	Namespace string   `json:"namespace"`
	Port      int      `json:"port"`
}

// gatewayEndpoint is one of the stack's own public hosts.
type gatewayEndpoint struct {
	Host    string `json:"host"`
	Service string `json:"service"`
	Port    int    `json:"port"`
}

func buildGatewayValues(m *model) (gatewayValues, error) {
	p, w, rs := m.p, m.w, m.rules
	g := p.Spec.Gateway
	var services []gatewayService
	refNamespaces := map[string]bool{}
	for _, s := range p.Spec.Services {
		if s.Upstream.Namespace != "" && s.Upstream.Namespace != w.Namespace {
			refNamespaces[s.Upstream.Namespace] = true
		}
		services = append(services, gatewayService{Name: s.Name, Hosts: s.Hosts, Paths: s.Paths, Service: s.Upstream.Service, Namespace: s.Upstream.Namespace, Port: s.Upstream.Port})
	}
	var own []gatewayEndpoint
	for _, e := range ownEndpoints(m) {
		own = append(own, gatewayEndpoint{Host: e.host, Service: e.service, Port: e.port})
	}
	v := gatewayValues{
		Target:           g.Target,
		Services:         services,
		Own:              own,
		UpstreamHeaders:  rs.UpstreamHeaders,
		HeadersToAuth:    append(append([]string{}, headersToOathkeeper...), xForwardedProto),
		Neutralized:      rs.Neutralized,
		IngressClassName: g.IngressClassName,
		GatewayClassName: g.GatewayClassName,
		TLSSecretName:    g.TLSSecretName,
		DenyAll:          profile.On(g.DenyAll),
		Selector:         g.Selector,
		Namespace:        g.Namespace,
		Image:            g.Image.Ref(),
		EnvoyPort:        EnvoyPort,
		RefNamespaces:    slices.Sorted(maps.Keys(refNamespaces)),
	}
	if add := gatewayRenders[g.Target].values; add != nil {
		if err := add(m, &v); err != nil {
			return v, err
		}
	}
	return v, nil
}

// ownHosts are the stack's own public hosts (login UI, Kratos, Hydra).
func ownHosts(m *model) []string {
	var out []string
	for _, e := range ownEndpoints(m) {
		out = append(out, e.host)
	}
	return out
}

// protectedHosts are the services' hosts, each once, in profile order.
func protectedHosts(p *profile.Profile) []string {
	var out []string
	for _, s := range p.Spec.Services {
		for _, h := range s.Hosts {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}
