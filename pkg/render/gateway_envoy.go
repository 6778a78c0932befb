package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

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
func publicRoutes(m *model) []vhost {
	w := m.w
	var out []vhost
	for _, e := range ownEndpoints(m) {
		up := profile.ServiceURL(e.service, w.Namespace, w.ClusterDomain, e.port)
		out = append(out, vhost{Name: e.service, Domain: e.host, upstream: up, Routes: []route{{Prefix: "/", Cluster: clusterFor(up).Name, Public: true}}})
	}
	return out
}

// gatewayHosts returns the stack's public hosts followed by one virtual host
// per protected host, in profile order, and the upstream clusters they use.
func gatewayHosts(m *model) ([]vhost, []cluster) {
	p := m.p
	hosts := publicRoutes(m)
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
	w := m.w
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
	m := wired(p)
	m.rules = rs
	return envoyBootstrap(m)
}

func envoyBootstrap(m *model) map[string]any {
	w, rs := m.w, m.rules
	hosts, clusters := gatewayHosts(m)
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

// envoyConfig is the envoy target's ConfigMap: the standalone Envoy's
// bootstrap, which one object must hold (objectSource's size hint).
func envoyConfig(m *model) (string, map[string][]byte, error) {
	cfg, err := marshalYAML(envoyBootstrap(m))
	if err != nil {
		return "", nil, err
	}
	return m.names.ConfigMaps.Envoy, map[string][]byte{"envoy.yaml": cfg}, nil
}
