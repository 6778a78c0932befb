package profile

import (
	"context"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// validateAudiences refuses a token audience that is a client id of the
// profile: Hydra puts the client id in the aud of every id_token it issues
// to that client, so the kubectl client's (or an SPA's) id_tokens would
// open the service. clientIDs are the kubectl client and the bootstrapped
// clients.
func (p *Profile) validateAudiences(clientIDs map[string]string) ErrorList {
	var errs ErrorList
	for i, sv := range p.Spec.Services {
		for j, a := range sv.Audience {
			if who, ok := clientIDs[a]; ok {
				errs = append(errs, p.Errorf(fmt.Sprintf("spec.services[%d].audience[%d]", i, j),
					"use an audience no client is named after, such as https://"+firstOr(sv.Hosts, sv.Name),
					"audience %q is the client id of %s: every id_token Hydra issues to that client carries it as aud and would open this service", a, who))
			}
		}
	}
	return errs
}

func firstOr(list []string, fallback string) string {
	if len(list) > 0 {
		return list[0]
	}
	return fallback
}

// validateServices checks the protected services and lints the access rules
// they become: Oathkeeper rejects a request that two rules match, so any
// overlap is an error, and a service whose every request another service
// also matches is unreachable.
func (p *Profile) validateServices(ctx context.Context) (ErrorList, error) {
	var errs ErrorList
	w := p.Wiring()
	add := func(path, hint, format string, args ...any) {
		errs = append(errs, p.Errorf(path, hint, format, args...))
	}
	s := &p.Spec
	names := map[string]int{}
	for i, sv := range s.Services {
		if i%1024 == 1023 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		path := fmt.Sprintf("spec.services[%d]", i)
		if !dnsLabel.MatchString(sv.Name) {
			add(path+".name", "use lower-case letters, digits and '-'", "invalid service name %q", sv.Name)
		} else if j, dup := names[sv.Name]; dup {
			add(path+".name", "service names must be unique", "name %q is already used by spec.services[%d]", sv.Name, j)
		}
		names[sv.Name] = i
		if len(sv.Hosts) == 0 {
			add(path+".hosts", "list the public host names of the service", "no hosts")
		}
		for j, h := range sv.Hosts {
			hp := fmt.Sprintf("%s.hosts[%d]", path, j)
			if !dnsName.MatchString(h) {
				add(hp, "use a DNS name", "invalid host %q", h)
				continue
			}
			for _, own := range []string{s.Hosts.Auth, s.Hosts.Kratos, s.Hosts.Hydra} {
				if h == own {
					add(hp, "the stack's own hosts are routed by authctl", "host %q belongs to the auth stack", h)
				}
			}
			if slices.Contains(sv.Allow, "session") && h != s.Domain && !strings.HasSuffix(h, "."+s.Domain) {
				add(hp, "the Kratos session cookie is scoped to "+s.Domain+"; use a host under it or another authenticator", "host %q is outside the cookie domain %q, so the session cookie never reaches it", h, s.Domain)
			}
		}
		for j, pp := range sv.Paths {
			if !strings.HasPrefix(pp, "/") || strings.ContainsAny(pp, "<>*?#") {
				add(fmt.Sprintf("%s.paths[%d]", path, j), "use a path prefix such as /api", "invalid path prefix %q", pp)
			}
		}
		u := sv.Upstream
		switch {
		case u.URL != "" && u.Service != "":
			add(path+".upstream", "set either url or service and port", "both url and service are set")
		case u.URL != "":
			if err := checkURL(u.URL, false); err != nil {
				add(path+".upstream.url", "use an absolute URL such as http://grafana.monitoring:3000", "bad URL %q: %v", u.URL, err)
			}
		case u.Service != "":
			if !dnsLabel.MatchString(u.Service) {
				add(path+".upstream.service", "use the name of a Service", "invalid Service name %q", u.Service)
			}
			if u.Port == 0 {
				add(path+".upstream.port", "set the Service port", "missing port")
			}
		default:
			add(path+".upstream", "set url, or service and port", "no upstream")
		}
		if field, what := upstreamIsInternal(w, sv.Upstream); field != "" {
			add(path+".upstream."+field, "the stack's admin and decision APIs are never published; point the service at your own upstream", "upstream is %s", what)
		}
		if len(sv.Allow) == 0 {
			add(path+".allow", "list who may pass: anonymous, session, bearer, jwt or oauth2_introspection", "no authenticators")
		}
		bearers := 0
		for _, a := range sv.Allow {
			if a == "bearer" || a == "jwt" || a == "oauth2_introspection" {
				bearers++
			}
		}
		if bearers > 1 {
			add(path+".allow", "bearer, jwt and oauth2_introspection all read the Authorization header and the first one rejects the others' tokens; keep one", "more than one bearer-token authenticator")
		}
		onlyAnonymous := len(sv.Allow) == 1 && sv.Allow[0] == "anonymous"
		if onlyAnonymous && len(sv.RequiredGroups) > 0 {
			add(path+".requiredGroups", "anonymous requests have no groups; add an authenticator", "required groups with anonymous access only")
		}
		if onlyAnonymous && sv.Forward.Mode != "passthrough" {
			add(path+".forward.mode", "anonymous requests have no identity to forward; use passthrough", "%s needs an authenticated subject", sv.Forward.Mode)
		}
		tokens := slices.Contains(sv.Allow, "jwt") || slices.Contains(sv.Allow, "oauth2_introspection")
		if (len(sv.RequiredScopes) > 0 || len(sv.Audience) > 0) && !tokens {
			add(path+".requiredScopes", "scopes and audience are checked by jwt or oauth2_introspection", "requiredScopes/audience without a token authenticator")
		}
		if tokens && len(sv.Audience) == 0 {
			add(path+".allow", "set audience: [https://"+firstOr(sv.Hosts, sv.Name)+"] (any name no client has) and let only the clients that may call it request that audience",
				"a token service without audience accepts every token Hydra signs: every engineer's kubectl id_token and every client's own token")
		}
		errs = append(errs, p.validateForwardHeaders(path, sv)...)
		if sv.Forward.Mode == "reissue" {
			if err := checkDuration(sv.Forward.TTL); err != nil {
				add(path+".forward.ttl", "use a Go duration such as 5m", "%v", err)
			}
		}
	}
	// Overlaps, between the services that share a host and a first path
	// segment (see overlapCandidates).
	for k, pair := range overlapCandidates(s.Services) {
		if k%4096 == 4095 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		i, j := pair[0], pair[1]
		a, b := s.Services[i], s.Services[j]
		if splitsMethods(a, b) {
			add(fmt.Sprintf("spec.services[%d].methods", j), "serve all methods of these paths from one service, or give the POST service the same or narrower allow, requiredGroups, requiredScopes and audience",
				"services %q and %q split the methods of the same paths, and the one that takes POST lets in people the other does not: a form field _method=%s (Rails, Laravel, Symfony) makes the upstream run the other's method with the POST's access",
				a.Name, b.Name, firstOther(a, b))
		}
		if !overlaps(a, b) {
			continue
		}
		switch {
		case covers(a, b) && covers(b, a):
			add(fmt.Sprintf("spec.services[%d]", j), "merge them or split their hosts, paths or methods", "service %q matches exactly the requests of %q, and Oathkeeper rejects requests that two rules match", b.Name, a.Name)
		case covers(b, a):
			add(fmt.Sprintf("spec.services[%d]", i), "remove it or narrow "+b.Name+"'s hosts, paths or methods", "service %q is unreachable: every request it matches is also matched by %q, and Oathkeeper rejects requests that two rules match", a.Name, b.Name)
		case covers(a, b):
			add(fmt.Sprintf("spec.services[%d]", j), "remove it or narrow "+a.Name+"'s hosts, paths or methods", "service %q is unreachable: every request it matches is also matched by %q, and Oathkeeper rejects requests that two rules match", b.Name, a.Name)
		default:
			add(fmt.Sprintf("spec.services[%d]", j), "split the hosts, paths or methods so each request matches one service", "service %q overlaps %q: Oathkeeper rejects requests that two rules match", b.Name, a.Name)
		}
	}
	g := s.Gateway
	if g.Target == "istio" {
		if len(g.Selector) == 0 {
			add("spec.gateway.selector", "select the ingress gateway's pods, for example istio: ingressgateway", "an Istio policy without a selector applies to every workload of its namespace (in the root namespace, to the whole mesh), the stack's own included")
		} else if g.Selector["app.kubernetes.io/instance"] == p.Metadata.Name || g.Selector["app.kubernetes.io/part-of"] == "authctl" {
			add("spec.gateway.selector", "select the ingress gateway's pods, for example istio: ingressgateway", "the selector picks the stack's own pods, so Oathkeeper would be asked about its own traffic and deny-all would cut the stack off")
		}
	}
	if g.Target == "ingress" && g.IngressClassName == "" {
		add("spec.gateway.ingressClassName", "name the IngressClass, for example nginx", "the ingress target needs an ingress class")
	}
	if g.Target != "none" && len(s.Services) > 0 && !On(s.Components.Oathkeeper.Enabled) {
		add("spec.components.oathkeeper.enabled", "protected services are checked by Oathkeeper", "services need Oathkeeper")
	}
	return errs, nil
}

// overlapCandidates returns the pairs (i < j) of services that could match
// one request: they share a host and either shares a first path segment
// with the other or has a prefix ("/") that spans every segment. Indexing
// by host and segment keeps the lint near linear for real setups, where
// most services own their hosts or paths, instead of comparing every pair.
func overlapCandidates(services []Service) [][2]int {
	type key struct{ host, segment string }
	buckets := map[key][]int{}
	// wide[host] are the services with a prefix that covers the whole host.
	wide := map[string][]int{}
	hostSegments := map[string][]string{}
	for i, sv := range services {
		for _, h := range uniqueStrings(sv.Hosts) {
			for _, seg := range firstSegments(sv.Paths) {
				if seg == "" {
					wide[h] = append(wide[h], i)
					continue
				}
				k := key{h, seg}
				if len(buckets[k]) == 0 {
					hostSegments[h] = append(hostSegments[h], seg)
				}
				if l := buckets[k]; len(l) == 0 || l[len(l)-1] != i {
					buckets[k] = append(buckets[k], i)
				}
			}
		}
	}
	seen := map[[2]int]bool{}
	var out [][2]int
	addPair := func(i, j int) {
		if i == j {
			return
		}
		if i > j {
			i, j = j, i
		}
		if pr := [2]int{i, j}; !seen[pr] {
			seen[pr] = true
			out = append(out, pr)
		}
	}
	pairs := func(list []int) {
		for x := range list {
			for y := x + 1; y < len(list); y++ {
				addPair(list[x], list[y])
			}
		}
	}
	for _, list := range buckets {
		pairs(list)
	}
	for h, ws := range wide {
		pairs(ws)
		for _, seg := range hostSegments[h] {
			for _, i := range ws {
				for _, j := range buckets[key{h, seg}] {
					addPair(i, j)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}

// firstSegments returns the first path segment of each prefix, each once;
// "" stands for a prefix ("/") that covers every segment.
func firstSegments(paths []string) []string {
	var out []string
	for _, p := range paths {
		seg := strings.TrimPrefix(p, "/")
		// Prefixes match whole segments (pathCovers): "/api" never
		// covers "/api-v2", so the first segment is an exact key.
		if i := strings.IndexByte(seg, '/'); i >= 0 {
			seg = seg[:i]
		}
		if !slices.Contains(out, seg) {
			out = append(out, seg)
		}
	}
	return out
}

func uniqueStrings(list []string) []string {
	var out []string
	for _, x := range list {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func methodsOf(s Service) []string {
	if len(s.Methods) == 0 {
		return []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	}
	return s.Methods
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// pathCovers reports whether prefix p matches every path prefix q matches.
func pathCovers(p, q string) bool {
	p, q = strings.TrimSuffix(p, "/"), strings.TrimSuffix(q, "/")
	return p == "" || q == p || strings.HasPrefix(q, p+"/")
}

func overlaps(a, b Service) bool {
	return intersects(a.Hosts, b.Hosts) && intersects(methodsOf(a), methodsOf(b)) && pathsOverlap(a, b)
}

// pathsOverlap reports whether a path of a and a path of b share requests
// (one covers the other).
func pathsOverlap(a, b Service) bool {
	for _, pa := range a.Paths {
		for _, pb := range b.Paths {
			if pathCovers(pa, pb) || pathCovers(pb, pa) {
				return true
			}
		}
	}
	return false
}

// splitsMethods reports whether a and b serve the same paths of a host
// with different methods, one of them takes POST, and that one lets in
// someone the other does not: the body of a POST can name another method
// (_method), which the gateway cannot see.
func splitsMethods(a, b Service) bool {
	if !intersects(a.Hosts, b.Hosts) || intersects(methodsOf(a), methodsOf(b)) {
		return false
	}
	post, other := a, b
	switch {
	case slices.Contains(methodsOf(b), "POST"):
		post, other = b, a
	case !slices.Contains(methodsOf(a), "POST"):
		return false
	}
	return !narrower(post, other) && pathsOverlap(a, b)
}

// narrower reports whether everyone service a lets in is also let in by
// b: a's authenticators are among b's, a's required groups among b's (any
// one of them admits) or b requires none, and a asks at least b's scopes
// and audiences, and a asks a second factor when b does.
func narrower(a, b Service) bool {
	groups := len(b.RequiredGroups) == 0 || (len(a.RequiredGroups) > 0 && subset(a.RequiredGroups, b.RequiredGroups))
	mfa := b.MFA != MFARequired || a.MFA == MFARequired
	return subset(a.Allow, b.Allow) && groups && mfa && subset(b.RequiredScopes, a.RequiredScopes) && subset(b.Audience, a.Audience)
}

// firstOther is a method of the service that does not take POST.
func firstOther(a, b Service) string {
	if slices.Contains(methodsOf(a), "POST") {
		a = b
	}
	return methodsOf(a)[0]
}

// covers reports whether a matches every request b matches.
func covers(a, b Service) bool {
	if !subset(b.Hosts, a.Hosts) || !subset(methodsOf(b), methodsOf(a)) {
		return false
	}
	for _, pb := range b.Paths {
		ok := false
		for _, pa := range a.Paths {
			if pathCovers(pa, pb) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// upstreamIsInternal reports whether an upstream is one of the stack's own
// internal APIs (Kratos or Hydra admin, Oathkeeper's decision API or proxy,
// the authz and token-hook servers), which must never be published. It
// returns the offending field and a description, or "".
// internalPorts are the ports of the stack's internal APIs.
var internalPorts = map[int]string{KratosAdminPort: "the Kratos admin port", HydraAdminPort: "the Hydra admin port", OathkeeperAPIPort: "Oathkeeper's API port",
	OathkeeperProxyPort: "Oathkeeper's proxy port", AuthzPort: "the group-check port", TokenHookPort: "the token hook's port"}

func upstreamIsInternal(w Wiring, u Upstream) (field, what string) {
	internal := map[string]string{
		w.KratosAdminService:     "the Kratos admin API",
		w.HydraAdminService:      "the Hydra admin API",
		w.OathkeeperAPIService:   "Oathkeeper's decision API",
		w.OathkeeperProxyService: "Oathkeeper's proxy (a loop)",
		w.AuthzService:           "authctl's group-check server",
		w.TokenHookService:       "authctl's token hook",
	}
	adminPorts := map[int]string{KratosAdminPort: "the Kratos admin port", HydraAdminPort: "the Hydra admin port", OathkeeperAPIPort: "Oathkeeper's API port", AuthzPort: "the group-check port"}
	ours := func(service string) bool { return strings.HasPrefix(service, w.Name+"-") }
	switch {
	case u.Service != "":
		if u.Namespace == "" || u.Namespace == w.Namespace {
			if d, ok := internal[u.Service]; ok {
				return "service", d
			}
			if d, ok := adminPorts[u.Port]; ok && ours(u.Service) {
				return "port", d + " of the stack's Service " + u.Service
			}
		}
		if d, ok := internalPorts[u.Port]; ok {
			return "port", d + aliasNote
		}
	case u.URL != "":
		pu, err := url.Parse(u.URL)
		if err != nil {
			return "", ""
		}
		host := strings.ToLower(strings.TrimSuffix(pu.Hostname(), "."))
		port, _ := strconv.Atoi(pu.Port())
		if ip := net.ParseIP(host); ip != nil {
			// A ClusterIP or pod IP: which Service it belongs to is not in
			// the profile, so an admin or decision port is refused.
			if d, ok := internalPorts[port]; ok {
				return "url", "an IP address on " + d + ", which may be the stack's own"
			}
			return "", ""
		}
		service, rest, _ := strings.Cut(host, ".")
		// NAME, NAME.NS, NAME.NS.svc and NAME.NS.svc.<any cluster domain>.
		if rest == "" || rest == w.Namespace || rest == w.Namespace+".svc" || strings.HasPrefix(rest, w.Namespace+".svc.") {
			if d, ok := internal[service]; ok {
				return "url", d
			}
			if d, ok := adminPorts[port]; ok && ours(service) {
				return "url", d + " of the stack's Service " + service
			}
		}
		if d, ok := internalPorts[port]; ok {
			return "url", d + aliasNote
		}
	}
	return "", ""
}

// aliasNote says why any host on an internal port is refused: a Service of
// type ExternalName (or any DNS name) can be a second name of the stack's
// own Service, and a CNAME keeps the port, so the port is what the profile
// can see.
const aliasNote = ", which any name (an ExternalName Service, a DNS alias) may lead to the stack's own Service on; serve that upstream on another port"

// reservedHeaders carry the request itself, the proxy chain or the gateway's
// secret; no identity header may take their names.
var reservedHeaders = []string{
	"Authorization", "Cookie", "Set-Cookie", "Host", "Connection", "Content-Length", "Content-Type", "Content-Encoding",
	"Transfer-Encoding", "Te", "Trailer", "Upgrade", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "Forwarded",
	"Via", "Accept", "X-Session-Token", "X-Authctl-Gateway-Secret",
	"X-Original-Url", "X-Rewrite-Url", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
}

// validateForwardHeaders checks a service's identity header names.
func (p *Profile) validateForwardHeaders(path string, sv Service) ErrorList {
	var errs ErrorList
	h := sv.Forward.Headers
	if sv.Forward.Mode != "headers" {
		if h != (ForwardHeaders{}) || sv.Forward.Claims != (ForwardClaims{}) {
			errs = append(errs, p.Errorf(path+".forward.headers", "set forward.mode: headers, or remove them", "header names apply to the headers mode only"))
		}
		return errs
	}
	seen := map[string]string{}
	for _, f := range []struct{ field, name string }{
		{"subject", h.Subject}, {"email", h.Email}, {"groups", h.Groups}, {"preferredUsername", h.PreferredUsername},
	} {
		if f.name == "" {
			continue
		}
		fp := path + ".forward.headers." + f.field
		canon := textproto.CanonicalMIMEHeaderKey(f.name)
		if slices.Contains(reservedHeaders, canon) || strings.HasPrefix(canon, "X-Forwarded-") {
			errs = append(errs, p.Errorf(fp, "pick a name the request and the proxies do not use, such as X-Auth-Request-User", "%s is reserved", f.name))
			continue
		}
		if prev, dup := seen[canon]; dup {
			errs = append(errs, p.Errorf(fp, "give each value its own header", "%s is already the %s header", f.name, prev))
			continue
		}
		seen[canon] = f.field
	}
	return errs
}
