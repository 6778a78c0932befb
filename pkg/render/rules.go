package render

import (
	"net/textproto"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

const rulesFileName = "access-rules.json"

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
