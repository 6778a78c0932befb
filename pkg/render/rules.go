package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

const rulesFileName = "access-rules.json"

// GatewaySecretHeader carries the upstream's own secret in headers mode, so
// an upstream can check that a request came through the gateway. Each
// header-mode service gets a different value (see UpstreamSecret), so one
// upstream cannot impersonate users to another.
const GatewaySecretHeader = "X-Authctl-Gateway-Secret"

// GatewaySecretEnv is the Oathkeeper environment variable holding the
// master secret that every upstream secret is derived from.
const GatewaySecretEnv = "AUTHCTL_GATEWAY_SECRET"

// IdentityHeaders tell an upstream who the user is, under their default
// names. Only Oathkeeper may set them: every gateway removes or overwrites
// the client's copies. Services may rename them (forward.headers); the
// RuleSet's Neutralized list holds every name in use.
var IdentityHeaders = []string{profile.DefaultSubjectHeader, profile.DefaultEmailHeader, profile.DefaultGroupsHeader, GatewaySecretHeader}

// OverrideHeaders make some upstream frameworks serve another path or
// method than the one Oathkeeper decided on (Symfony and IIS read
// X-Original-URL and X-Rewrite-URL, Rails, Express and Spring honour the
// method-override headers, forward-auth proxies read X-Forwarded-Uri and
// X-Forwarded-Method, nginx's auth_request passes X-Original-URI and
// X-Original-Method). No client may send them to an upstream.
var OverrideHeaders = []string{"X-Original-Url", "X-Rewrite-Url", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
	"X-Forwarded-Uri", "X-Forwarded-Method", "X-Original-Uri", "X-Original-Method"}

// methodOverrideHeader carries the refusal of a _method query parameter:
// every allowing rule sets it (empty), so its template runs on every
// request a rule allows.
const methodOverrideHeader = "X-Http-Method-Override"

// MethodParameter is the query parameter Rails, Laravel and Symfony read
// as the method of a POST (POST /x?_method=DELETE runs DELETE). The
// query is the one part of the request no rule matches (Oathkeeper matches
// scheme://host/path), so the header mutator refuses it: its template
// fails and Oathkeeper answers 500 instead of forwarding, on every target.
const MethodParameter = "_method"

// refuseMethodParameter is that template; it prints nothing otherwise.
const refuseMethodParameter = `{{ if .MatchContext.URL.Query.Has "` + MethodParameter + `" }}` +
	`{{ fail "the query names a method (` + MethodParameter + `): refused, the rule decided on the request's own method" }}{{ end }}`

// HeaderSpellings are the names a server may read as header h: every
// choice of "-" or "_" at each separator (CGI, WSGI, Rack and PHP turn both
// into "_", so X_User_Groups and x-user_groups arrive as HTTP_X_USER_GROUPS),
// in Go's canonical form (what Oathkeeper's Header.Set writes; every data
// plane compares header names ignoring case). h itself comes first; it is
// the only one without "_".
func HeaderSpellings(h string) []string {
	h = textproto.CanonicalMIMEHeaderKey(h)
	out := []string{""}
	for _, r := range h {
		var next []string
		for _, prefix := range out {
			if r == '-' || r == '_' {
				next = append(next, prefix+"-", prefix+"_")
			} else {
				next = append(next, prefix+string(r))
			}
		}
		out = next
	}
	for i := range out {
		out[i] = textproto.CanonicalMIMEHeaderKey(out[i])
	}
	return out
}

// NeutralizedHeaders are the default IdentityHeaders, every identity header
// name any of the services uses (forward.headers), and OverrideHeaders, in
// canonical form and each once: the gateways remove them from the client's
// request before anything else runs where the data plane can (envoy,
// envoy-gateway), and every allowing rule sets them (to the real value or
// to empty), so no upstream ever sees a client's copy of a header that any
// upstream treats as identity, on any target.
func NeutralizedHeaders(services []profile.Service) []string {
	var out []string
	add := func(h string) {
		if h = textproto.CanonicalMIMEHeaderKey(h); h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	for _, h := range IdentityHeaders {
		add(h)
	}
	for _, s := range services {
		f := s.Forward.Headers
		for _, h := range []string{f.Subject, f.Email, f.Groups, f.PreferredUsername} {
			add(h)
		}
	}
	for _, h := range OverrideHeaders {
		add(h)
	}
	return out
}

// lowerAll returns the names in lower case, as the data planes match them.
func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, h := range names {
		out[i] = strings.ToLower(h)
	}
	return out
}

// UpstreamSecret is the value of GatewaySecretHeader that the upstream of
// service name receives: hex(sha256(master ":" name)). Oathkeeper computes it
// at request time from GatewaySecretEnv (sprig's sha256sum), so the master
// secret never leaves the oathkeeper Secret. Service names are DNS labels, so
// no name can extend another's input (no length-extension forgery).
func UpstreamSecret(master, name string) string {
	sum := sha256.Sum256([]byte(master + ":" + name))
	return hex.EncodeToString(sum[:])
}

// upstreamSecretTemplate is the header-mutator template for UpstreamSecret.
func upstreamSecretTemplate(name string) string {
	return `{{ sha256sum (printf "%s:%s" (env "` + GatewaySecretEnv + `") ` + templateLiteral(mustJSON(name)) + `) }}`
}

// Rule is an Oathkeeper access rule.
type Rule struct {
	ID             string    `json:"id"`
	Description    string    `json:"description,omitempty"`
	Match          Match     `json:"match"`
	Upstream       *Upstream `json:"upstream,omitempty"`
	Authenticators []Handler `json:"authenticators"`
	Authorizer     Handler   `json:"authorizer"`
	Mutators       []Handler `json:"mutators"`
	Errors         []Handler `json:"errors,omitempty"`
}

// Match selects requests by URL pattern and method.
type Match struct {
	URL     string   `json:"url"`
	Methods []string `json:"methods"`
}

// Upstream is where Oathkeeper's proxy forwards an allowed request.
type Upstream struct {
	URL          string `json:"url"`
	PreserveHost bool   `json:"preserve_host"`
	StripPath    string `json:"strip_path,omitempty"`
}

// Handler names an Oathkeeper handler, with an optional per-rule config.
type Handler struct {
	Handler string         `json:"handler"`
	Config  map[string]any `json:"config,omitempty"`
}

// Handlers is the handler section of the Oathkeeper config.
type Handlers struct {
	Authenticators map[string]any
	Authorizers    map[string]any
	Mutators       map[string]any
	Errors         map[string]any
}

// RuleSet is the access rules plus the handler configuration they need.
type RuleSet struct {
	Rules    []Rule
	Handlers Handlers
	// UpstreamHeaders are the headers the mutators set, which a gateway
	// must copy from Oathkeeper's answer to the upstream request.
	UpstreamHeaders []string
	// Neutralized are the headers no client may send to an upstream
	// (NeutralizedHeaders of the profile's services), lower-case, computed
	// once so every gateway and every rule use the same set.
	Neutralized []string
	// SpellingsSetEmpty are the other spellings of the neutralized headers
	// (HeaderSpellings with "_"), set empty for every rule through the
	// header mutator's global config.
	SpellingsSetEmpty map[string]string
	// UsesHeaderSecret reports whether a headers-mode service exists.
	UsesHeaderSecret bool
	// UsesIDToken reports whether a reissue-mode service exists.
	UsesIDToken bool
	// Files are the rules split into files under the object size limit
	// (splitRules), computed once for the ConfigMaps, the maester Rules,
	// the mounts and Oathkeeper's repositories.
	Files []RulesFile
}

// AllMethods is every method a service may allow (the default).
var AllMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// KnownMethods is every method the default-deny rules answer: AllMethods,
// TRACE and CONNECT, and the rest of IANA's HTTP method registry (WebDAV,
// CalDAV, versioning) plus PURGE. A method outside it matches no rule and
// Oathkeeper answers 404; the envoy target answers 405 before asking.
var KnownMethods = append(append([]string{}, AllMethods...),
	"TRACE", "CONNECT", "ACL", "BASELINE-CONTROL", "BIND", "CHECKIN", "CHECKOUT", "COPY", "LABEL", "LINK",
	"LOCK", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MKREDIRECTREF", "MKWORKSPACE", "MOVE", "ORDERPATCH",
	"PRI", "PROPFIND", "PROPPATCH", "PURGE", "QUERY", "REBIND", "REPORT", "SEARCH", "UNBIND", "UNCHECKOUT",
	"UNLINK", "UNLOCK", "UPDATE", "UPDATEREDIRECTREF", "VERSION-CONTROL")

// authenticatorFor maps a profile "allow" entry to an Oathkeeper authenticator.
var authenticatorFor = map[string]string{
	"session":              "cookie_session",
	"bearer":               "bearer_token",
	"jwt":                  "jwt",
	"oauth2_introspection": "oauth2_introspection",
	"anonymous":            "anonymous",
}

// safeTail matches the rest of a path below a prefix, one segment at a time.
// Oathkeeper matches the percent-decoded path, so a segment made only of
// dots and spaces ("." and "..", also "...", ".. " and ". .", which Windows
// servers trim to a dot segment), such a segment with a path parameter
// ("..;", Tomcat), or a segment that holds a backslash, a "%" (left over
// from double encoding), a control character, a non-ASCII look-alike of
// "." (one and two dot leader, ellipsis, small, fullwidth, ideographic and
// halfwidth ideographic full stops, which best-fit mappings turn into ".")
// or nothing (a double slash) is refused: such a path may name another
// resource once the upstream normalises it, so it falls to the default deny
// instead of matching an allow rule. The look-alikes are written as
// themselves, which regexp2 and Go's regexp read alike.
const safeTail = `(?:/(?![. ]*(?:[;/]|$))[^/\\%\x00-\x1f\x7f` + dotLookalikes + `]+)*/?`

// dotLookalikes are the non-ASCII characters that some servers map to ".".
const dotLookalikes = "\u2024\u2025\u2026\ufe52\uff0e\u3002\uff61"

// URLPattern is the regular expression (regexp2 syntax, no delimiters) that
// matches the URLs of a service: scheme://host[:port]/path, where the path is
// one of the service's prefixes followed by safe segments only.
func URLPattern(s profile.Service) string {
	hosts := make([]string, len(s.Hosts))
	for i, h := range s.Hosts {
		hosts[i] = regexp.QuoteMeta(h)
	}
	var paths []string
	for _, p := range s.Paths {
		p = strings.TrimSuffix(p, "/")
		paths = append(paths, regexp.QuoteMeta(p)+safeTail)
	}
	pathRe := paths[0]
	if len(paths) > 1 {
		pathRe = "(?:" + strings.Join(paths, "|") + ")"
	}
	return "https?://(?:" + strings.Join(hosts, "|") + ")(?::[0-9]+)?" + pathRe
}

// UpstreamURL is the in-cluster URL of a service's upstream.
func UpstreamURL(w profile.Wiring, s profile.Service) string {
	if s.Upstream.URL != "" {
		return strings.TrimSuffix(s.Upstream.URL, "/")
	}
	return profile.ServiceURL(s.Upstream.Service, s.Upstream.Namespace, w.ClusterDomain, s.Upstream.Port)
}

// IDTokenIssuer is the iss of tokens Oathkeeper reissues; their keys are
// published at IDTokenIssuer + ".well-known/jwks.json".
func IDTokenIssuer(w profile.Wiring) string { return w.OathkeeperAPIInternalURL + "/" }

// BuildRules derives the access rules from the profile's services. It
// always ends with a default-deny rule for every URL no other rule matches,
// which Oathkeeper itself lacks. The catch-all uses a negative lookahead
// (Oathkeeper's regexp engine is regexp2), so no URL is ever matched by two
// rules.
func BuildRules(p *profile.Profile) *RuleSet { return buildRules(wired(p)) }

func buildRules(m *model) *RuleSet {
	p, w := m.p, m.w
	neutral := NeutralizedHeaders(p.Spec.Services)
	rs := &RuleSet{Neutralized: lowerAll(neutral), SpellingsSetEmpty: map[string]string{}}
	headers := map[string]bool{}
	// Every other spelling a server may fold into a neutralized name is set
	// empty too (Istio and ingress controllers pass names with
	// underscores), once, in the header mutator's global config, which
	// Oathkeeper merges into every rule's (PipelineConfig): no rule sets a
	// real value under such a name, and 3,000 rules stay the size they were.
	for _, h := range neutral {
		for _, sp := range HeaderSpellings(h)[1:] {
			rs.SpellingsSetEmpty[sp] = ""
			headers[strings.ToLower(sp)] = true
		}
	}
	var allows []allowEntry
	for _, s := range p.Spec.Services {
		pattern := URLPattern(s)
		methods := s.Methods
		if len(methods) == 0 {
			methods = AllMethods
		}
		allows = append(allows, allowEntry{hosts: s.Hosts, pattern: pattern, methods: methods})
		r := Rule{
			ID:          p.Metadata.Name + ":" + s.Name,
			Description: "Protects " + strings.Join(s.Hosts, ", ") + ".",
			Match:       Match{URL: "<" + pattern + ">", Methods: methods},
			Upstream:    &Upstream{URL: UpstreamURL(w, s), PreserveHost: true},
			Authorizer:  Handler{Handler: "allow"},
		}
		for _, a := range s.Allow {
			h := Handler{Handler: authenticatorFor[a]}
			if a == "jwt" || a == "oauth2_introspection" {
				cfg := map[string]any{"trusted_issuers": []string{w.IssuerURL}}
				if len(s.RequiredScopes) > 0 {
					cfg["required_scope"] = s.RequiredScopes
				}
				if len(s.Audience) > 0 {
					cfg["target_audience"] = s.Audience
				}
				h.Config = cfg
			}
			r.Authenticators = append(r.Authenticators, h)
		}
		// anonymous always answers, so it must be tried last.
		sort.SliceStable(r.Authenticators, func(i, j int) bool {
			return r.Authenticators[i].Handler != "anonymous" && r.Authenticators[j].Handler == "anonymous"
		})
		if len(s.RequiredGroups) > 0 || s.MFA == profile.MFARequired {
			r.Authorizer = Handler{Handler: "remote_json", Config: map[string]any{
				"remote":  w.AuthzURL,
				"payload": authzPayload(s),
			}}
		}
		// Every allowing rule sets every neutralized header: the real
		// value where the service gets one, empty otherwise, so a client's
		// own copy never reaches the upstream, whatever the route.
		set := map[string]string{}
		for _, h := range neutral {
			set[h] = ""
		}
		set[methodOverrideHeader] = refuseMethodParameter
		switch s.Forward.Mode {
		case "headers":
			names := s.Forward.Headers
			set[textproto.CanonicalMIMEHeaderKey(names.Subject)] = "{{ print .Subject }}"
			set[textproto.CanonicalMIMEHeaderKey(names.Email)] = emailTemplate(s)
			set[textproto.CanonicalMIMEHeaderKey(names.Groups)] = groupsTemplate(s)
			if names.PreferredUsername != "" {
				set[textproto.CanonicalMIMEHeaderKey(names.PreferredUsername)] = preferredUsernameTemplate(s)
			}
			set[GatewaySecretHeader] = upstreamSecretTemplate(s.Name)
			rs.UsesHeaderSecret = true
			// A Kratos session token (allow: bearer) is the user's whole
			// account: the upstream gets the identity headers instead.
			if slices.Contains(s.Allow, "bearer") {
				set["Authorization"] = ""
			}
		case "reissue":
			r.Mutators = append(r.Mutators, Handler{Handler: "id_token", Config: map[string]any{
				"ttl": s.Forward.TTL,
				"claims": verifiedEmail(s) + extraLookup("groups", "list", groupsPath(s)) +
					`{"aud": ` + templateLiteral(mustJSON(s.Forward.Audience)) +
					`, "email": {{ toJson $email }}, "groups": ` + groupsJSON + `}`,
			}})
			headers["authorization"] = true
			rs.UsesIDToken = true
		}
		if s.Forward.Mode != "passthrough" {
			// The browser sends the Kratos session cookie to every host
			// under the cookie domain. It is the user's whole account, and
			// an upstream that gets an identity (headers) or a token of its
			// own (reissue) has no use for it: it goes, the app's own
			// cookies stay.
			set["Cookie"] = cookiesWithoutSession
		}
		r.Mutators = append(r.Mutators, Handler{Handler: "header", Config: map[string]any{"headers": set}})
		for h := range set {
			headers[strings.ToLower(h)] = true
		}
		if s.OnFailure == "redirect" {
			// Browsers are redirected; everything else falls back to the
			// global json handler (listing it here too would make two
			// handlers responsible, which Oathkeeper treats as an error).
			r.Errors = browserRedirects(w, s)
		} else {
			r.Errors = []Handler{{Handler: "json"}}
		}
		rs.Rules = append(rs.Rules, r)
	}
	rs.Rules = append(rs.Rules, denyRules(p.Metadata.Name, allows)...)
	for h := range headers {
		rs.UpstreamHeaders = append(rs.UpstreamHeaders, h)
	}
	sort.Strings(rs.UpstreamHeaders)
	rs.Handlers = buildHandlers(p, w, rs)
	rs.Files = splitRules(p.Metadata.Name, rs.Rules)
	return rs
}

// allowEntry is what the default deny needs to know of one service.
type allowEntry struct {
	hosts   []string
	pattern string
	methods []string
}

// denyChunkBytes bounds the service patterns one default-deny rule lists in
// its negative lookahead, so that a rule stays far below Kubernetes' 1 MiB
// object limit and the rules can be split over several ConfigMaps.
var denyChunkBytes = 256 << 10

// denyRules answer every (method, URL) pair of KnownMethods that no service
// allows, so Oathkeeper never says "no rule" for a known method.
//
// While the services' patterns fit in one rule, methods whose allowing
// services are the same share one rule whose URL is a catch-all with a
// negative lookahead over those services' patterns (Oathkeeper's regexp
// engine is regexp2), so no request matches two rules.
//
// With more services, the hosts are partitioned into chunks (services that
// share a host stay together): each chunk's rules match only URLs on its
// hosts, with a lookahead over its own services' patterns, and one more
// rule denies every URL on a host no service declares. Every URL has one
// host, so it still matches exactly one rule.
func denyRules(name string, allows []allowEntry) []Rule {
	total := 0
	for _, a := range allows {
		total += len(a.pattern) + 1
	}
	if total <= denyChunkBytes {
		return denyGroupRules(name+":default-deny", "", allows)
	}
	var out []Rule
	var hosts []string
	for i, chunk := range chunkByHost(allows, denyChunkBytes) {
		var chunkHosts []string
		for _, a := range chunk {
			for _, h := range a.hosts {
				if !slices.Contains(chunkHosts, h) {
					chunkHosts = append(chunkHosts, h)
				}
			}
		}
		hosts = append(hosts, chunkHosts...)
		out = append(out, denyGroupRules(fmt.Sprintf("%s:default-deny-%d", name, i+1), hostsOnly(chunkHosts), chunk)...)
	}
	out = append(out, Rule{
		ID:             name + ":default-deny-undeclared-hosts",
		Description:    "Denies every request for a host no service declares.",
		Match:          Match{URL: "<(?!" + hostPrefix(hosts) + "(?:/|$)).*>", Methods: KnownMethods},
		Authenticators: []Handler{{Handler: "unauthorized"}},
		Authorizer:     Handler{Handler: "deny"},
		Mutators:       []Handler{{Handler: "noop"}},
		Errors:         []Handler{{Handler: "json"}},
	})
	return out
}

// hostPrefix matches scheme://host[:port] for one of hosts, as URLPattern does.
func hostPrefix(hosts []string) string {
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = regexp.QuoteMeta(h)
	}
	return "https?://(?:" + strings.Join(quoted, "|") + ")(?::[0-9]+)?"
}

// hostsOnly is a lookahead that limits a rule to URLs on hosts.
func hostsOnly(hosts []string) string { return "(?=" + hostPrefix(hosts) + "(?:/|$))" }

// chunkByHost partitions services into chunks of at most budget pattern
// bytes, keeping services that share a host (directly or through another
// service) in one chunk.
func chunkByHost(allows []allowEntry, budget int) [][]allowEntry {
	parent := make([]int, len(allows))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, a := range allows {
		for _, h := range a.hosts {
			if j, ok := owner[h]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[h] = i
			}
		}
	}
	var order []int
	members := map[int][]allowEntry{}
	for i, a := range allows {
		r := find(i)
		if _, ok := members[r]; !ok {
			order = append(order, r)
		}
		members[r] = append(members[r], a)
	}
	var chunks [][]allowEntry
	var cur []allowEntry
	size := 0
	for _, r := range order {
		group := members[r]
		n := 0
		for _, a := range group {
			n += len(a.pattern) + 1
		}
		if len(cur) > 0 && size+n > budget {
			chunks = append(chunks, cur)
			cur, size = nil, 0
		}
		cur = append(cur, group...)
		size += n
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// denyGroupRules are the deny rules of one set of services: one rule per
// group of methods whose allowing services are the same. scope (a
// lookahead, or "") limits them to the set's hosts.
func denyGroupRules(id, scope string, allows []allowEntry) []Rule {
	// allowing[m] are the URL patterns of the services that allow method m.
	allowing := map[string][]string{}
	for _, a := range allows {
		for _, m := range a.methods {
			allowing[m] = append(allowing[m], a.pattern)
		}
	}
	type group struct {
		patterns []string
		methods  []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, m := range KnownMethods {
		key := strings.Join(allowing[m], "\n")
		g, ok := byKey[key]
		if !ok {
			g = &group{patterns: allowing[m]}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.methods = append(g.methods, m)
	}
	var out []Rule
	for _, g := range groups {
		gid := id
		if !slices.Contains(g.methods, "GET") {
			gid += "-" + strings.ToLower(g.methods[0])
		}
		url := "<" + scope + ".*>"
		if len(g.patterns) > 0 {
			url = "<" + scope + "(?!(?:" + strings.Join(g.patterns, "|") + ")$).*>"
		}
		out = append(out, Rule{
			ID:             gid,
			Description:    "Denies " + strings.Join(g.methods, ", ") + " requests that no service allows.",
			Match:          Match{URL: url, Methods: g.methods},
			Authenticators: []Handler{{Handler: "unauthorized"}},
			Authorizer:     Handler{Handler: "deny"},
			Mutators:       []Handler{{Handler: "noop"}},
			Errors:         []Handler{{Handler: "json"}},
		})
	}
	return out
}

// RulesFile is one access-rules file: a ConfigMap's key, mounted into
// Oathkeeper's rules directory under its own path and listed in
// access_rules.repositories.
type RulesFile struct {
	// ConfigMap holds the file (with oathkeeper-maester, the ConfigMap
	// maester writes the file's rules into).
	ConfigMap string
	// Path is the file's name in the rules directory.
	Path string
	// Rules are the file's rules.
	Rules []Rule
}

// rulesFileBytes bounds the JSON of one rules file, so its ConfigMap stays
// under Kubernetes' 1 MiB object limit once encoded as YAML.
var rulesFileBytes = 800 << 10

// splitRules splits the rules over as few files as fit rulesFileBytes each.
// The first keeps the historical ConfigMap name and path, so a stack with
// few services renders as before. A single rule larger than a file is
// returned alone; the object size check reports it.
func splitRules(name string, rules []Rule) []RulesFile {
	var out []RulesFile
	var cur []Rule
	size := 0
	flush := func() {
		i := len(out) + 1
		f := RulesFile{ConfigMap: name + "-oathkeeper-rules", Path: rulesFileName, Rules: cur}
		if i > 1 {
			f.ConfigMap = fmt.Sprintf("%s-oathkeeper-rules-%d", name, i)
			f.Path = fmt.Sprintf("access-rules-%d.json", i)
		}
		out = append(out, f)
		cur, size = nil, 0
	}
	for _, r := range rules {
		b, _ := json.MarshalIndent(r, "  ", "  ")
		if len(cur) > 0 && size+len(b) > rulesFileBytes {
			flush()
		}
		cur = append(cur, r)
		size += len(b) + 2
	}
	if len(cur) > 0 || len(out) == 0 {
		flush()
	}
	return out
}

// browserOnly limits a redirect error handler to requests that accept
// HTML and to the given errors; APIs get the JSON 401 or 403 instead.
func browserOnly(errs ...string) []any {
	return []any{map[string]any{
		"error":   errs,
		"request": map[string]any{"header": map[string]any{"accept": []string{"text/html"}}},
	}}
}

// KratosSessionCookie is the cookie of a Kratos session, the only one the
// cookie_session authenticator reads.
const KratosSessionCookie = "ory_kratos_session"

// cookiesWithoutSession is the header mutator template (Oathkeeper's
// text/template with sprig) for the Cookie header an upstream gets: every
// cookie the request carried, from every Cookie header line, except the
// Kratos session. A cookie's name is compared as Kratos reads it (Go's
// net/http readCookies: split on ";", the name is what precedes the first
// "=", trimmed), so "ory_kratos_session =v" goes too; sprig's trim removes
// at least the white space textproto.TrimString does.
const cookiesWithoutSession = `{{- $kept := list -}}` +
	`{{- range splitList ";" (join ";" (.MatchContext.Header.Values "Cookie")) -}}` +
	`{{- $c := trim . -}}` +
	`{{- if and $c (ne (trim (index (splitList "=" $c) 0)) "` + KratosSessionCookie + `") }}{{ $kept = append $kept $c }}{{ end -}}` +
	`{{- end -}}` +
	`{{- join "; " $kept -}}`

// usesSession reports whether the subject's data comes from a Kratos session
// (cookie or session token) rather than a JWT or introspection result.
func usesSession(s profile.Service) bool {
	for _, a := range s.Allow {
		if a == "session" || a == "bearer" {
			return true
		}
	}
	return false
}

// extraLookup is a template that sets $name to the value at the dotted
// path below .Extra, or leaves it at init. Every step is checked to be a
// map holding the next key: Kratos sends "metadata_public": null for an
// identity nobody gave any (everyone who registered or came through SSO),
// and a plain .Extra.identity.metadata_public.groups then fails the
// template, which Oathkeeper answers with 500.
func extraLookup(name, init, path string) string {
	var open, closing strings.Builder
	open.WriteString(`{{ $` + name + ` := ` + init + ` }}{{ with .Extra }}`)
	for _, k := range strings.Split(path, ".") {
		open.WriteString(`{{ if kindIs "map" . }}{{ with index . ` + templateLiteral(mustJSON(k)) + ` }}`)
		closing.WriteString(`{{ end }}{{ end }}`)
	}
	return open.String() + `{{ $` + name + ` = . }}` + closing.String() + `{{ end }}`
}

// verifiedEmail is a template that sets $email to the address an upstream
// may rely on, or "". From a Kratos session: traits.email only when
// Kratos' verifiable_addresses marks that address verified (a person can
// change traits.email to anything in the settings flow; the new address is
// unverified until they prove it). From a token: the email claim only when
// email_verified is true (the token hook sets it from the same list).
func verifiedEmail(s profile.Service) string {
	if !usesSession(s) {
		return extraLookup("claim", `""`, "email") + extraLookup("claimVerified", `""`, "email_verified") +
			`{{ $email := "" }}{{ if eq (toString $claimVerified) "true" }}{{ $email = toString $claim }}{{ end }}`
	}
	return extraLookup("trait", `""`, "identity.traits.email") + extraLookup("addresses", "list", "identity.verifiable_addresses") +
		`{{ $email := "" }}{{ $want := lower (trim (toString $trait)) }}` +
		`{{ if and $want (kindIs "slice" $addresses) }}{{ range $addresses }}` +
		`{{ if and (kindIs "map" .) (eq (toString (index . "verified")) "true") (eq (lower (trim (toString (index . "value")))) $want) }}{{ $email = $want }}{{ end }}` +
		`{{ end }}{{ end }}`
}

func emailTemplate(s profile.Service) string { return verifiedEmail(s) + `{{ $email }}` }

// preferredUsernameTemplate prints forward.claims.preferredUsername, or the
// verified email when the identity or token has none. The value is what the
// person or the token says (traits are self-service): a display name, never
// a basis for access.
func preferredUsernameTemplate(s profile.Service) string {
	path := s.Forward.Claims.PreferredUsername
	if usesSession(s) {
		path = "identity." + path
	}
	return extraLookup("name", `""`, path) + verifiedEmail(s) +
		`{{ if $name }}{{ print $name }}{{ else }}{{ $email }}{{ end }}`
}

func groupsPath(s profile.Service) string {
	if usesSession(s) {
		return "identity.metadata_public.groups"
	}
	return "groups"
}

func groupsTemplate(s profile.Service) string {
	return extraLookup("groups", "list", groupsPath(s)) + `{{ if kindIs "slice" $groups }}{{ join "," $groups }}{{ end }}`
}

// groupsJSON prints $groups as a JSON list ([] when the identity or token
// has none, or something that is no list).
// The template sets $groups first (extraLookup), then prints them.
const groupsJSON = `{{ if kindIs "slice" $groups }}{{ toJson $groups }}{{ else }}[]{{ end }}`

// buildHandlers enables exactly the handlers the rules reference and gives
// each one the configuration derived from the wiring.
func buildHandlers(p *profile.Profile, w profile.Wiring, rs *RuleSet) Handlers {
	used := map[string]bool{}
	for _, r := range rs.Rules {
		for _, h := range r.Authenticators {
			used["authn:"+h.Handler] = true
		}
		used["authz:"+r.Authorizer.Handler] = true
		for _, h := range r.Mutators {
			used["mut:"+h.Handler] = true
		}
		for _, h := range r.Errors {
			used["err:"+h.Handler] = true
		}
	}
	jwks := strings.TrimSuffix(w.HydraPublicInternalURL, "/") + "/.well-known/jwks.json"
	authn := map[string]any{
		// Configured even when unused so the wiring is visible and a rule
		// added later by oathkeeper-maester only needs enabling it.
		"cookie_session": map[string]any{"enabled": used["authn:cookie_session"], "config": map[string]any{
			"check_session_url": w.CheckSessionURL,
			"preserve_path":     true,
			// Oathkeeper asks with the request's own method otherwise
			// (authn.PrepareRequest); Kratos answers HEAD on whoami with
			// no body, which Oathkeeper cannot read: 500 for HEAD.
			"force_method": "GET",
			"extra_from":   "@this",
			"subject_from": "identity.id",
			"only":         []string{KratosSessionCookie},
		}},
	}
	if used["authn:bearer_token"] {
		authn["bearer_token"] = map[string]any{"enabled": true, "config": map[string]any{
			"check_session_url": w.CheckSessionURL,
			"preserve_path":     true,
			"force_method":      "GET",
			"extra_from":        "@this",
			"subject_from":      "identity.id",
		}}
	}
	if used["authn:jwt"] {
		authn["jwt"] = map[string]any{"enabled": true, "config": map[string]any{
			"jwks_urls":       []string{jwks},
			"trusted_issuers": []string{w.IssuerURL},
			"scope_strategy":  "exact",
		}}
	}
	if used["authn:oauth2_introspection"] {
		authn["oauth2_introspection"] = map[string]any{"enabled": true, "config": map[string]any{
			"introspection_url": w.HydraAdminInternalURL + "/admin/oauth2/introspect",
			"scope_strategy":    "exact",
		}}
	}
	for _, h := range []string{"anonymous", "unauthorized"} {
		if used["authn:"+h] {
			authn[h] = map[string]any{"enabled": true}
		}
	}
	authz := map[string]any{}
	for _, h := range []string{"allow", "deny"} {
		if used["authz:"+h] {
			authz[h] = map[string]any{"enabled": true}
		}
	}
	if used["authz:remote_json"] {
		authz["remote_json"] = map[string]any{"enabled": true, "config": map[string]any{
			"remote":  w.AuthzURL,
			"payload": `{"subject": "{{ print .Subject }}"}`,
		}}
	}
	mut := map[string]any{}
	if used["mut:noop"] {
		mut["noop"] = map[string]any{"enabled": true}
	}
	if used["mut:header"] {
		// Oathkeeper merges this config into each rule's (koanf Merge in
		// driver/configuration PipelineConfig): the other spellings of the
		// neutralized headers, set empty for every rule.
		mut["header"] = map[string]any{"enabled": true, "config": map[string]any{"headers": rs.SpellingsSetEmpty}}
	}
	if used["mut:id_token"] {
		mut["id_token"] = map[string]any{"enabled": true, "config": map[string]any{
			"issuer_url": IDTokenIssuer(w),
			"jwks_url":   "file://" + oathkeeperKeysDir + "/jwks.json",
			"ttl":        "5m",
		}}
	}
	handlers := map[string]any{"json": map[string]any{"enabled": true, "config": map[string]any{"verbose": false}}}
	if used["err:redirect"] {
		handlers["redirect"] = map[string]any{"enabled": true, "config": map[string]any{"to": w.LoginURL, "return_to_query_param": "return_to"}}
	}
	errs := map[string]any{"fallback": []string{"json"}, "handlers": handlers}
	return Handlers{Authenticators: authn, Authorizers: authz, Mutators: mut, Errors: errs}
}

// mustJSON encodes a string or a list of strings as JSON, for values that a
// rule template embeds; both always encode.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("render: encoding %T as JSON: %v", v, err))
	}
	return string(b)
}

// templateLiteral makes text safe inside an Oathkeeper (Go text/template)
// template: "{{" would start an action, so it is written as an action that
// prints "{{".
func templateLiteral(s string) string {
	return strings.ReplaceAll(s, "{{", `{{"{{"}}`)
}
