package render

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

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

// route is one path prefix of a virtual host.
type route struct {
	Prefix  string
	Cluster string
	// Public routes (the stack's own login and OIDC endpoints) bypass ext_authz.
	Public bool
}

type vhost struct {
	Name   string
	Domain string
	Routes []route
	// upstream is set for the stack's own public hosts.
	upstream string
}

type cluster struct {
	Name string
	Host string
	Port int
}

// clusterFor names an upstream cluster after its URL.
func clusterFor(rawURL string) cluster {
	u := strings.TrimPrefix(strings.TrimPrefix(rawURL, "http://"), "https://")
	host, port := u, 80
	if i := strings.LastIndex(u, ":"); i > 0 {
		host = u[:i]
		fmt.Sscanf(u[i+1:], "%d", &port)
	}
	if i := strings.Index(host, "/"); i > 0 {
		host = host[:i]
	}
	name := strings.NewReplacer(".", "_", "-", "_").Replace(host) + fmt.Sprintf("_%d", port)
	return cluster{Name: name, Host: host, Port: port}
}

// publicRoutes are the stack's own public endpoints; admin ports never appear.
func publicRoutes(p *profile.Profile) []vhost {
	w := p.Wiring()
	var out []vhost
	for _, e := range ownEndpoints(p) {
		up := profile.ServiceURL(e.service, w.Namespace, w.ClusterDomain, e.port)
		out = append(out, vhost{Name: e.service, Domain: e.host, upstream: up, Routes: []route{{Prefix: "/", Cluster: clusterFor(up).Name, Public: true}}})
	}
	return out
}

// endpoint is one of the stack's own public hosts and the Service behind it.
type endpoint struct {
	host, service string
	port          int
}

// ownEndpoints are the stack's public hosts (login UI, Kratos public,
// Hydra public) of the enabled components, in that order.
func ownEndpoints(p *profile.Profile) []endpoint {
	w := p.Wiring()
	c := p.Spec.Components
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

// gatewayHosts returns the stack's public hosts followed by one virtual host
// per protected host, in profile order, and the upstream clusters they use.
func gatewayHosts(p *profile.Profile) ([]vhost, []cluster) {
	hosts := publicRoutes(p)
	var clusters []cluster
	seen := map[string]bool{}
	addCluster := func(c cluster) {
		if !seen[c.Name] {
			seen[c.Name] = true
			clusters = append(clusters, c)
		}
	}
	for _, h := range hosts {
		addCluster(clusterFor(h.upstream))
	}
	index := map[string]int{}
	w := p.Wiring()
	for _, s := range p.Spec.Services {
		cl := clusterFor(UpstreamURL(w, s))
		addCluster(cl)
		for _, h := range s.Hosts {
			i, ok := index[h]
			if !ok {
				hosts = append(hosts, vhost{Name: h, Domain: h})
				i = len(hosts) - 1
				index[h] = i
			}
			for _, pp := range s.Paths {
				hosts[i].Routes = append(hosts[i].Routes, route{Prefix: pp, Cluster: cl.Name})
			}
		}
	}
	// Longest prefix first, so /api wins over /.
	for i := range hosts {
		sort.SliceStable(hosts[i].Routes, func(a, b int) bool {
			return len(hosts[i].Routes[a].Prefix) > len(hosts[i].Routes[b].Prefix)
		})
	}
	return hosts, clusters
}

// extAuthzOff turns ext_authz off for one route.
func extAuthzOff() map[string]any {
	return map[string]any{"envoy.filters.http.ext_authz": map[string]any{
		"@type":    "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
		"disabled": true,
	}}
}

// knownMethodsRegex matches KnownMethods exactly (RE2, for Envoy).
func knownMethodsRegex() string {
	return "^(" + strings.Join(KnownMethods, "|") + ")$"
}

// EnvoyBootstrap builds the standalone Envoy's bootstrap: one listener,
// ext_authz to Oathkeeper's decision API, and one virtual host per host.
// Before any filter runs, the connection manager normalises the path and
// host and removes the neutralized headers from the client's request.
func EnvoyBootstrap(p *profile.Profile, rs *RuleSet) map[string]any {
	w := p.Wiring()
	hosts, clusters := gatewayHosts(p)
	oathkeeper := clusterFor(w.OathkeeperAPIInternalURL)
	// Methods no rule knows are refused here, before Oathkeeper (which
	// would answer 404 "no rule"): first route of every virtual host.
	unknownMethod := map[string]any{
		"match": map[string]any{"prefix": "/", "headers": []any{map[string]any{
			"name": ":method", "invert_match": true,
			"string_match": map[string]any{"safe_regex": map[string]any{"regex": knownMethodsRegex()}},
		}}},
		"direct_response":         map[string]any{"status": 405},
		"typed_per_filter_config": extAuthzOff(),
	}
	var vhosts []any
	for _, h := range hosts {
		routes := []any{unknownMethod}
		for _, r := range h.Routes {
			rt := map[string]any{
				"match": map[string]any{"prefix": r.Prefix},
				"route": map[string]any{"cluster": r.Cluster, "timeout": "30s"},
			}
			if r.Public {
				rt["typed_per_filter_config"] = extAuthzOff()
			}
			routes = append(routes, rt)
		}
		vhosts = append(vhosts, map[string]any{"name": h.Name, "domains": []string{h.Domain}, "routes": routes})
	}
	// Requests for hosts nobody declared are refused here, before Oathkeeper.
	vhosts = append(vhosts, map[string]any{"name": "default-deny", "domains": []string{"*"}, "routes": []any{map[string]any{
		"match":                   map[string]any{"prefix": "/"},
		"direct_response":         map[string]any{"status": 404},
		"typed_per_filter_config": extAuthzOff(),
	}}})
	patterns := func(exact []string, prefixes ...string) []any {
		var out []any
		for _, e := range exact {
			out = append(out, map[string]any{"exact": e})
		}
		for _, p := range prefixes {
			out = append(out, map[string]any{"prefix": p})
		}
		return out
	}
	authResponse := map[string]any{
		"allowed_client_headers": map[string]any{"patterns": patterns(headersToClientOnDeny)},
	}
	if len(rs.UpstreamHeaders) > 0 {
		authResponse["allowed_upstream_headers"] = map[string]any{"patterns": patterns(rs.UpstreamHeaders)}
	}
	extAuthz := map[string]any{
		"@type":                 "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
		"transport_api_version": "V3",
		"failure_mode_allow":    false,
		"allowed_headers":       map[string]any{"patterns": patterns(headersToOathkeeper)},
		"http_service": map[string]any{
			"server_uri":  map[string]any{"uri": w.OathkeeperAPIInternalURL, "cluster": oathkeeper.Name, "timeout": decisionTimeout},
			"path_prefix": "/decisions",
			"authorization_request": map[string]any{
				// The scheme the profile serves, not the client's header.
				"headers_to_add": []any{map[string]any{"key": xForwardedProto, "value": w.Scheme}},
			},
			"authorization_response": authResponse,
		},
	}
	var removals []any
	for _, h := range rs.Neutralized {
		removals = append(removals, map[string]any{"remove": h})
	}
	hcm := map[string]any{
		"@type":                            "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
		"stat_prefix":                      "ingress_http",
		"use_remote_address":               true,
		"normalize_path":                   true,
		"merge_slashes":                    true,
		"path_with_escaped_slashes_action": "UNESCAPE_AND_REDIRECT",
		"strip_trailing_host_dot":          true,
		"strip_any_host_port":              true,
		"common_http_protocol_options":     map[string]any{"idle_timeout": "300s", "headers_with_underscores_action": "REJECT_REQUEST"},
		"request_timeout":                  "60s",
		// Runs before routing and before any filter, so neither ext_authz
		// nor an upstream ever sees a client's identity or override header.
		"early_header_mutation_extensions": []any{map[string]any{
			"name": "authctl.remove-client-identity",
			"typed_config": map[string]any{
				"@type":     "type.googleapis.com/envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation",
				"mutations": removals,
			},
		}},
		"route_config": map[string]any{"name": "routes", "virtual_hosts": vhosts},
		"http_filters": []any{
			map[string]any{"name": "envoy.filters.http.ext_authz", "typed_config": extAuthz},
			map[string]any{"name": "envoy.filters.http.router", "typed_config": map[string]any{"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}},
		},
	}
	var cls []any
	for _, c := range append([]cluster{oathkeeper}, clusters...) {
		cls = append(cls, map[string]any{
			"name":            c.Name,
			"type":            "STRICT_DNS",
			"connect_timeout": "1s",
			"lb_policy":       "ROUND_ROBIN",
			"load_assignment": map[string]any{"cluster_name": c.Name, "endpoints": []any{map[string]any{"lb_endpoints": []any{map[string]any{
				"endpoint": map[string]any{"address": map[string]any{"socket_address": map[string]any{"address": c.Host, "port_value": c.Port}}},
			}}}}},
		})
	}
	return map[string]any{
		"admin": map[string]any{"address": map[string]any{"socket_address": map[string]any{"address": "127.0.0.1", "port_value": EnvoyAdminPort}}},
		"static_resources": map[string]any{
			"listeners": []any{map[string]any{
				"name":          "http",
				"address":       map[string]any{"socket_address": map[string]any{"address": "0.0.0.0", "port_value": EnvoyPort}},
				"filter_chains": []any{map[string]any{"filters": []any{map[string]any{"name": "envoy.filters.network.http_connection_manager", "typed_config": hcm}}}},
			}},
			"clusters": cls,
		},
	}
}

// IstioExtensionProvider is the meshConfig snippet that registers Oathkeeper
// as an Istio CUSTOM authorization provider.
func IstioExtensionProvider(p *profile.Profile, rs *RuleSet) map[string]any {
	w := p.Wiring()
	prov := map[string]any{
		"service":                      w.OathkeeperAPIHost,
		"port":                         profile.OathkeeperAPIPort,
		"pathPrefix":                   "/decisions",
		"timeout":                      decisionTimeout,
		"failOpen":                     false,
		"includeRequestHeadersInCheck": headersToOathkeeper,
		// The scheme the profile serves, not the client's header.
		"includeAdditionalHeadersInCheck": map[string]any{xForwardedProto: w.Scheme},
		"headersToDownstreamOnDeny":       headersToClientOnDeny,
	}
	if len(rs.UpstreamHeaders) > 0 {
		prov["headersToUpstreamOnAllow"] = rs.UpstreamHeaders
	}
	return map[string]any{"meshConfig": map[string]any{"extensionProviders": []any{map[string]any{
		"name": IstioProviderName(p), "envoyExtAuthzHttp": prov,
	}}}}
}

// IstioProviderName is the extension provider the AuthorizationPolicy names.
func IstioProviderName(p *profile.Profile) string { return p.Metadata.Name + "-oathkeeper" }

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

// ingressChunk is one Ingress object; the first also routes the stack's
// own hosts.
type ingressChunk struct {
	Name     string           `json:"name"`
	Own      bool             `json:"own"`
	Services []gatewayService `json:"services"`
}

func buildGatewayValues(p *profile.Profile, rs *RuleSet) (gatewayValues, error) {
	g := p.Spec.Gateway
	w := p.Wiring()
	var services []gatewayService
	refNamespaces := map[string]bool{}
	for _, s := range p.Spec.Services {
		if s.Upstream.Namespace != "" && s.Upstream.Namespace != w.Namespace {
			refNamespaces[s.Upstream.Namespace] = true
		}
		services = append(services, gatewayService{Name: s.Name, Hosts: s.Hosts, Paths: s.Paths, Service: s.Upstream.Service, Namespace: s.Upstream.Namespace, Port: s.Upstream.Port})
	}
	var own []gatewayEndpoint
	for _, e := range ownEndpoints(p) {
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
		IstioHosts:       istioHosts(protectedHosts(p)),
		IstioOwnHosts:    istioHosts(ownHosts(p)),
		Namespace:        g.Namespace,
		Image:            g.Image.Ref(),
		EnvoyPort:        EnvoyPort,
		IstioProvider:    IstioProviderName(p),
		RefNamespaces:    slices.Sorted(maps.Keys(refNamespaces)),
		Ingresses:        ingressChunks(p.Metadata.Name, services),
	}
	if g.Target == "istio" {
		snippet, err := marshalYAML(IstioExtensionProvider(p, rs))
		if err != nil {
			return v, err
		}
		v.IstioValues = "# Merge into the Istio installation (IstioOperator spec or istiod Helm values),\n" +
			"# then label the protected workloads' namespace for the AuthorizationPolicy.\n" + string(snippet)
	}
	return v, nil
}

// istioHosts turns host names into AuthorizationPolicy hosts. Istio matches
// the Host header exactly (ignoring case, pilot/pkg/security/authz/matcher
// HostMatcher), stripping neither a port nor a trailing dot, so "h" alone
// would let "h:443", "h." and "h.:443" past the policy wherever a route
// serves them: each host also gets "h:*" (a prefix match on "h:"), "h."
// and "h.:*".
func istioHosts(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, h, h+":*", h+".", h+".:*")
	}
	return out
}

// ownHosts are the stack's own public hosts (login UI, Kratos, Hydra).
func ownHosts(p *profile.Profile) []string {
	var out []string
	for _, e := range ownEndpoints(p) {
		out = append(out, e.host)
	}
	return out
}

// ingressChunkBytes bounds the estimated size of one Ingress.
var ingressChunkBytes = 600 << 10

// ingressChunks spreads the services over as few Ingresses as keep each
// under ingressChunkBytes (estimated from hosts and paths). The first keeps
// the stack's name and its own hosts, so a small stack renders one Ingress
// as before.
func ingressChunks(name string, services []gatewayService) []ingressChunk {
	var out []ingressChunk
	var cur []gatewayService
	size := 0
	flush := func() {
		n := name
		if len(out) > 0 {
			n = fmt.Sprintf("%s-%d", name, len(out)+1)
		}
		out = append(out, ingressChunk{Name: n, Own: len(out) == 0, Services: cur})
		cur, size = nil, 0
	}
	for _, s := range services {
		n := len(s.Hosts) * (64 + 192*len(s.Paths))
		if len(cur) > 0 && size+n > ingressChunkBytes {
			flush()
		}
		cur = append(cur, s)
		size += n
	}
	flush()
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
