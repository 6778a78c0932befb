package gateway_test

import (
	"bufio"
	"cmp"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/test/e2e"
)

// This file stands in for the data planes that cannot run here (Envoy,
// Envoy Gateway's Envoy, Istio's ingress gateway). Everything a stand-in does
// is read from what authctl rendered for that target: the header removal
// that runs before ext_authz, which client headers reach the check request,
// the headers added to it, the path prefix, the upstream headers copied from
// Oathkeeper's answer, the hosts and routes. What is not in the rendered
// objects is each data plane's documented default, cited in
// docs/gateways.md (threat model) from its source:
//
//   - Envoy (HCM): path normalisation and host stripping happen before any
//     filter; use_remote_address with no trusted hops overwrites
//     x-forwarded-proto; ext_authz always copies authorization, :method,
//     :path and :authority, :path gets path_prefix prepended, headers_to_add
//     overwrite; allowed_upstream_headers overwrite the upstream request's.
//   - Envoy Gateway v1.6: normalize_path, merge_slashes and
//     UNESCAPE_AND_REDIRECT by default, use_remote_address true;
//     headersToExtAuth are exact, case-insensitive matchers.
//   - Istio 1.27 ingress gateway: normalize_path only (BASE), escaped
//     slashes kept, use_remote_address true; CUSTOM → DENY → ALLOW.
//
// The check request goes to the real Oathkeeper's /decisions, byte for byte
// as built, over a raw connection so that no client library tidies it.

// attack is one client request, as sent on the wire.
type attack struct {
	method string
	host   string
	// target is the raw request target: origin-form or absolute-form.
	target string
	header http.Header
}

// outcome is what the client got and what the upstream saw.
type outcome struct {
	status   int
	location string
	// upstream is nil when nothing was forwarded.
	upstream *seenRequest
}

type seenRequest struct {
	method, target string
	header         http.Header
}

func (o outcome) String() string {
	if o.upstream == nil {
		return fmt.Sprintf("%d (nothing forwarded)", o.status)
	}
	return fmt.Sprintf("%d, upstream saw %s %s", o.status, o.upstream.method, o.upstream.target)
}

// matcher is one of Envoy's StringMatchers on header names.
type matcher struct {
	exact, prefix string
}

func (m matcher) matches(name string) bool {
	name = strings.ToLower(name)
	if m.exact != "" {
		return name == strings.ToLower(m.exact)
	}
	return m.prefix != "" && strings.HasPrefix(name, strings.ToLower(m.prefix))
}

func anyMatch(ms []matcher, name string) bool {
	return slices.ContainsFunc(ms, func(m matcher) bool { return m.matches(name) })
}

// dataPlane is a rendered data plane, reduced to what decides who passes.
type dataPlane struct {
	target string
	// Before routing and filters.
	removeEarly    []string
	escapedSlashes string // UNESCAPE_AND_REDIRECT or KEEP_UNCHANGED
	mergeSlashes   bool
	stripHostDot   bool
	stripHostPort  bool
	// rejectUnderscores answers 400 to a header name holding "_"
	// (Envoy's headers_with_underscores_action: REJECT_REQUEST).
	rejectUnderscores bool
	knownMethods      *regexp.Regexp // nil: every method is routed
	// route picks what happens to a request for host and path: "authz"
	// (ext_authz, then the upstream), "public" (the upstream, no check) or
	// "deny:N" (the data plane answers N itself).
	route func(host, path string) string
	// ext_authz.
	allowedHeaders  []matcher
	pathPrefix      string
	headersToAdd    map[string]string
	upstreamHeaders []matcher
	// decisionsAddr is the real Oathkeeper's API, host:port.
	decisionsAddr string
}

// canonicalPath resolves dot segments (also percent-encoded dots) and turns
// backslashes into slashes, as Envoy's normalize_path does.
func canonicalPath(p string) string {
	pathPart, query, hasQuery := strings.Cut(p, "?")
	pathPart = strings.ReplaceAll(pathPart, `\`, "/")
	var out []string
	segs := strings.Split(pathPart, "/")
	for i, s := range segs {
		if i == 0 {
			continue
		}
		dots := strings.ReplaceAll(strings.ToLower(s), "%2e", ".")
		switch dots {
		case ".":
			if i == len(segs)-1 {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if i == len(segs)-1 {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	res := "/" + strings.Join(out, "/")
	if hasQuery {
		res += "?" + query
	}
	return res
}

var slashes = regexp.MustCompile(`/{2,}`)

// do runs one attack through the data plane and the real Oathkeeper.
func (d *dataPlane) do(t *testing.T, a attack) outcome {
	t.Helper()
	// Envoy's header map ignores the case of names: every copy of a name,
	// however spelt, is one header (values kept in order).
	hdr := http.Header{}
	for k, vs := range a.header {
		if d.rejectUnderscores && strings.Contains(k, "_") {
			return outcome{status: http.StatusBadRequest}
		}
		for _, v := range vs {
			hdr.Add(k, v)
		}
	}
	for _, h := range d.removeEarly {
		hdr.Del(h)
	}
	host, target := a.host, a.target
	// Absolute-form: the URL's authority replaces Host (RFC 9112 3.2.2).
	// The rest of the target stays as sent, encoding included.
	if u, err := url.Parse(target); err == nil && u.IsAbs() {
		host, target = u.Host, cmp.Or(a.target[len(u.Scheme)+len("://")+len(u.Host):], "/")
	}
	if d.stripHostPort {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	if d.stripHostDot {
		// Also "h.:443" (Envoy strips the dot before a port too); the
		// port went above.
		host = strings.TrimSuffix(host, ".")
	}
	pathPart, query, _ := strings.Cut(target, "?")
	if d.escapedSlashes == "UNESCAPE_AND_REDIRECT" {
		un := regexp.MustCompile(`(?i)%2f|%5c`).ReplaceAllStringFunc(pathPart, func(s string) string {
			if strings.EqualFold(s, "%2f") {
				return "/"
			}
			return `\`
		})
		if un != pathPart {
			return outcome{status: http.StatusTemporaryRedirect, location: un}
		}
	}
	pathPart = canonicalPath(pathPart)
	if d.mergeSlashes {
		pathPart = slashes.ReplaceAllString(pathPart, "/")
	}
	target = pathPart
	if query != "" {
		target += "?" + query
	}
	// use_remote_address with no trusted hops: the connection's scheme
	// (the listener is plain HTTP behind the load balancer).
	hdr.Set("X-Forwarded-Proto", "http")
	if d.knownMethods != nil && !d.knownMethods.MatchString(a.method) {
		return outcome{status: http.StatusMethodNotAllowed}
	}
	up := &seenRequest{method: a.method, target: target, header: hdr}
	r := d.route(host, pathPart)
	switch {
	case r == "public":
		return outcome{status: http.StatusOK, upstream: up}
	case strings.HasPrefix(r, "deny:"):
		var code int
		fmt.Sscanf(r, "deny:%d", &code)
		return outcome{status: code}
	}
	// ext_authz: the check request.
	check := http.Header{}
	for k, v := range hdr {
		if strings.EqualFold(k, "authorization") || anyMatch(d.allowedHeaders, k) {
			check[k] = v
		}
	}
	for k, v := range d.headersToAdd {
		check.Set(k, v)
	}
	resp := rawHTTP(t, d.decisionsAddr, a.method, d.pathPrefix+target, host, check)
	if resp.status != http.StatusOK {
		return outcome{status: resp.status, location: resp.header.Get("Location")}
	}
	if r == "authz,deny:403" {
		return outcome{status: http.StatusForbidden}
	}
	for k, v := range resp.header {
		if anyMatch(d.upstreamHeaders, k) {
			hdr[k] = v
		}
	}
	return outcome{status: http.StatusOK, upstream: up}
}

type rawResponse struct {
	status int
	header http.Header
}

// rawHTTP sends one HTTP/1.1 request exactly as given (the request target
// is not cleaned or re-encoded) to a loopback address.
func rawHTTP(t *testing.T, addr, method, target, host string, hdr http.Header) rawResponse {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	for k, vs := range hdr {
		if strings.EqualFold(k, "host") {
			continue
		}
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("Content-Length: 0\r\nConnection: close\r\n\r\n")
	if _, err := conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	resp.Body.Close()
	return rawResponse{status: resp.StatusCode, header: resp.Header}
}

func yamlMap(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func list(v any) []any { l, _ := v.([]any); return l }

func str(v any) string { s, _ := v.(string); return s }

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, str(x))
	}
	return out
}

func matchers(v any) []matcher {
	var out []matcher
	for _, x := range list(v) {
		m, _ := x.(map[string]any)
		out = append(out, matcher{exact: str(m["exact"]), prefix: str(m["prefix"])})
	}
	return out
}

// envoyDataPlane reads the rendered standalone Envoy's bootstrap.
func envoyDataPlane(t *testing.T, r e2e.Rendered, decisionsAddr string) *dataPlane {
	t.Helper()
	boot := yamlMap(t, []byte(r.ConfigMapData(t, r.Profile.Metadata.Name+"-envoy-config")["envoy.yaml"]))
	hcm := e2e.Get(list(e2e.Get(list(e2e.Get(list(e2e.Get(boot, "static_resources.listeners"))[0].(map[string]any), "filter_chains"))[0].(map[string]any), "filters"))[0].(map[string]any), "typed_config").(map[string]any)
	d := &dataPlane{target: "envoy", decisionsAddr: decisionsAddr,
		escapedSlashes:    str(hcm["path_with_escaped_slashes_action"]),
		mergeSlashes:      hcm["merge_slashes"] == true,
		stripHostDot:      hcm["strip_trailing_host_dot"] == true,
		stripHostPort:     hcm["strip_any_host_port"] == true,
		rejectUnderscores: e2e.Get(hcm, "common_http_protocol_options.headers_with_underscores_action") == "REJECT_REQUEST",
	}
	if hcm["normalize_path"] != true || hcm["use_remote_address"] != true {
		t.Fatalf("the rendered Envoy neither normalises paths nor uses the remote address: %v", hcm)
	}
	for _, ext := range list(hcm["early_header_mutation_extensions"]) {
		for _, m := range list(e2e.Get(ext.(map[string]any), "typed_config.mutations")) {
			if h := str(m.(map[string]any)["remove"]); h != "" {
				d.removeEarly = append(d.removeEarly, h)
			}
		}
	}
	for _, f := range list(hcm["http_filters"]) {
		fm := f.(map[string]any)
		if fm["name"] != "envoy.filters.http.ext_authz" {
			continue
		}
		az := fm["typed_config"].(map[string]any)
		d.allowedHeaders = matchers(e2e.Get(az, "allowed_headers.patterns"))
		d.allowedHeaders = append(d.allowedHeaders, matchers(e2e.Get(az, "http_service.authorization_request.allowed_headers.patterns"))...)
		d.pathPrefix = str(e2e.Get(az, "http_service.path_prefix"))
		d.headersToAdd = map[string]string{}
		for _, h := range list(e2e.Get(az, "http_service.authorization_request.headers_to_add")) {
			hm := h.(map[string]any)
			d.headersToAdd[str(hm["key"])] = str(hm["value"])
		}
		d.upstreamHeaders = matchers(e2e.Get(az, "http_service.authorization_response.allowed_upstream_headers.patterns"))
	}
	type envoyRoute struct {
		prefix, methodsRe string
		invert            bool
		direct            int
		public            bool
	}
	type vhost struct {
		domains []string
		routes  []envoyRoute
	}
	var vhosts []vhost
	for _, v := range list(e2e.Get(hcm, "route_config.virtual_hosts")) {
		vm := v.(map[string]any)
		vh := vhost{domains: strs(vm["domains"])}
		for _, rt := range list(vm["routes"]) {
			rm := rt.(map[string]any)
			er := envoyRoute{prefix: str(e2e.Get(rm, "match.prefix"))}
			for _, hm := range list(e2e.Get(rm, "match.headers")) {
				h := hm.(map[string]any)
				if h["name"] == ":method" {
					er.methodsRe = str(e2e.Get(h, "string_match.safe_regex.regex"))
					er.invert = h["invert_match"] == true
				}
			}
			if dr, ok := rm["direct_response"].(map[string]any); ok {
				er.direct = int(dr["status"].(float64))
			}
			if pf, ok := rm["typed_per_filter_config"].(map[string]any); ok {
				if az, ok := pf["envoy.filters.http.ext_authz"].(map[string]any); ok && az["disabled"] == true {
					er.public = true
				}
			}
			if er.methodsRe != "" && er.invert && er.direct != 0 {
				d.knownMethods = regexp.MustCompile(er.methodsRe)
				continue
			}
			vh.routes = append(vh.routes, er)
		}
		vhosts = append(vhosts, vh)
	}
	d.route = func(host, path string) string {
		for _, vh := range vhosts {
			hit := false
			for _, dom := range vh.domains {
				if dom == "*" || strings.EqualFold(dom, host) {
					hit = true
				}
			}
			if !hit {
				continue
			}
			for _, rt := range vh.routes {
				if !strings.HasPrefix(path, rt.prefix) {
					continue
				}
				switch {
				case rt.direct != 0:
					return fmt.Sprintf("deny:%d", rt.direct)
				case rt.public:
					return "public"
				}
				return "authz"
			}
			return "deny:404"
		}
		return "deny:404"
	}
	return d
}

// envoyGatewayDataPlane reads the rendered Gateway API and Envoy Gateway
// objects.
func envoyGatewayDataPlane(t *testing.T, r e2e.Rendered, decisionsAddr string) *dataPlane {
	t.Helper()
	d := &dataPlane{target: "envoy-gateway", decisionsAddr: decisionsAddr,
		// Envoy Gateway v1.6 defaults (internal/gatewayapi/listener.go).
		escapedSlashes: "UNESCAPE_AND_REDIRECT", mergeSlashes: true,
	}
	type egRoute struct {
		hosts, prefixes []string
		authz           bool
	}
	var routes []*egRoute
	byName := map[string]*egRoute{}
	for _, o := range r.Res.Objects {
		m := yamlMap(t, o.YAML)
		switch o.Kind {
		case "ClientTrafficPolicy":
			d.removeEarly = append(d.removeEarly, strs(e2e.Get(m, "spec.headers.earlyRequestHeaders.remove"))...)
			// Envoy Gateway v1.6 rejects names with underscores unless told
			// otherwise (api/v1alpha1/clienttrafficpolicy_types.go).
			action, _ := e2e.Get(m, "spec.headers.withUnderscoresAction").(string)
			d.rejectUnderscores = action == "" || action == "RejectRequest"
		case "HTTPRoute":
			rt := &egRoute{hosts: strs(e2e.Get(m, "spec.hostnames"))}
			for _, rule := range list(e2e.Get(m, "spec.rules")) {
				ms := list(rule.(map[string]any)["matches"])
				if len(ms) == 0 {
					rt.prefixes = append(rt.prefixes, "/")
				}
				for _, mt := range ms {
					rt.prefixes = append(rt.prefixes, str(e2e.Get(mt.(map[string]any), "path.value")))
				}
			}
			routes = append(routes, rt)
			byName[o.Name] = rt
		}
	}
	for _, o := range r.Res.Objects {
		if o.Kind != "SecurityPolicy" {
			continue
		}
		m := yamlMap(t, o.YAML)
		for _, ref := range list(e2e.Get(m, "spec.targetRefs")) {
			if rt := byName[str(ref.(map[string]any)["name"])]; rt != nil {
				rt.authz = true
			}
		}
		d.allowedHeaders = nil
		for _, h := range strs(e2e.Get(m, "spec.extAuth.headersToExtAuth")) {
			d.allowedHeaders = append(d.allowedHeaders, matcher{exact: h})
		}
		d.pathPrefix = str(e2e.Get(m, "spec.extAuth.http.path"))
		d.upstreamHeaders = nil
		for _, h := range strs(e2e.Get(m, "spec.extAuth.http.headersToBackend")) {
			d.upstreamHeaders = append(d.upstreamHeaders, matcher{exact: h})
		}
	}
	d.route = func(host, path string) string {
		best, bestLen := (*egRoute)(nil), -1
		for _, rt := range routes {
			if !slices.ContainsFunc(rt.hosts, func(h string) bool { return strings.EqualFold(h, host) }) {
				continue
			}
			for _, p := range rt.prefixes {
				// Gateway API PathPrefix matches whole segments.
				pp := strings.TrimSuffix(p, "/")
				if (pp == "" || path == pp || strings.HasPrefix(path, pp+"/")) && len(pp) > bestLen {
					best, bestLen = rt, len(pp)
				}
			}
		}
		switch {
		case best == nil:
			return "deny:404"
		case best.authz:
			return "authz"
		}
		return "public"
	}
	return d
}

// istioDataPlane reads the rendered meshConfig provider and the
// AuthorizationPolicies.
func istioDataPlane(t *testing.T, r e2e.Rendered, decisionsAddr string) *dataPlane {
	t.Helper()
	d := &dataPlane{target: "istio", decisionsAddr: decisionsAddr, escapedSlashes: "KEEP_UNCHANGED"}
	values := yamlMap(t, []byte(r.ConfigMapData(t, r.Profile.Metadata.Name+"-istio-extension-provider")["istio-values.yaml"]))
	prov := list(e2e.Get(values, "meshConfig.extensionProviders"))[0].(map[string]any)["envoyExtAuthzHttp"].(map[string]any)
	for _, h := range strs(prov["includeRequestHeadersInCheck"]) {
		// Istio turns "x-*" into a prefix and "*x" into a suffix matcher.
		if p, ok := strings.CutSuffix(h, "*"); ok {
			d.allowedHeaders = append(d.allowedHeaders, matcher{prefix: p})
		} else {
			d.allowedHeaders = append(d.allowedHeaders, matcher{exact: h})
		}
	}
	d.headersToAdd = map[string]string{}
	if add, ok := prov["includeAdditionalHeadersInCheck"].(map[string]any); ok {
		for k, v := range add {
			d.headersToAdd[k] = str(v)
		}
	}
	d.pathPrefix = str(prov["pathPrefix"])
	for _, h := range strs(prov["headersToUpstreamOnAllow"]) {
		d.upstreamHeaders = append(d.upstreamHeaders, matcher{exact: h})
	}
	var custom []string
	var allow []string
	hasAllow := false
	for _, o := range r.Res.Objects {
		if o.Kind != "AuthorizationPolicy" {
			continue
		}
		m := yamlMap(t, o.YAML)
		if e2e.Get(m, "spec.selector.matchLabels") == nil {
			t.Fatalf("AuthorizationPolicy %s has no selector: it would apply to every workload", o.Name)
		}
		var hosts []string
		for _, rule := range list(e2e.Get(m, "spec.rules")) {
			for _, to := range list(rule.(map[string]any)["to"]) {
				h := strs(e2e.Get(to.(map[string]any), "operation.hosts"))
				if len(h) == 0 {
					// An operation that names no hosts matches every host.
					h = []string{"*"}
				}
				hosts = append(hosts, h...)
			}
		}
		switch str(e2e.Get(m, "spec.action")) {
		case "CUSTOM":
			custom = append(custom, hosts...)
		case "ALLOW", "":
			hasAllow = true
			allow = append(allow, hosts...)
		}
	}
	// Istio's HostMatcher: "*" any, "*x" a suffix, "x*" a prefix, else
	// exact; always ignoring case, and never stripping a port.
	in := func(l []string, host string) bool {
		host = strings.ToLower(host)
		return slices.ContainsFunc(l, func(h string) bool {
			h = strings.ToLower(h)
			switch {
			case h == "*":
				return true
			case strings.HasPrefix(h, "*"):
				return strings.HasSuffix(host, h[1:])
			case strings.HasSuffix(h, "*"):
				return strings.HasPrefix(host, h[:len(h)-1])
			}
			return host == h
		})
	}
	// The gateway's routes (the user's VirtualServices) serve the stack's
	// own hosts and the protected ones, on any port and with a trailing dot
	// (a catch-all VirtualService for "*" in front of the same upstreams, as
	// many gateways have); other hosts get 404.
	w := r.Profile.Wiring()
	routed := []string{w.AuthHost, w.KratosHost, w.HydraHost}
	for _, sv := range r.Profile.Spec.Services {
		routed = append(routed, sv.Hosts...)
	}
	d.route = func(host, path string) string {
		name := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			name = h
		}
		name = strings.TrimSuffix(name, ".")
		if !slices.ContainsFunc(routed, func(h string) bool { return strings.EqualFold(h, name) }) {
			return "deny:404"
		}
		// CUSTOM runs first, then ALLOW; a request CUSTOM denied never
		// reaches ALLOW, one it allowed still needs an ALLOW rule.
		switch {
		case in(custom, host) && hasAllow && !in(allow, host):
			return "authz,deny:403"
		case in(custom, host):
			return "authz"
		case hasAllow && !in(allow, host):
			return "deny:403"
		}
		return "public"
	}
	return d
}
