package render

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

const rulesFileName = "access-rules.json"

// GatewaySecretHeader carries the shared secret in headers mode, so an
// upstream can check that a request came through the gateway.
const GatewaySecretHeader = "X-Authctl-Gateway-Secret"

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
	// UsesHeaderSecret reports whether a headers-mode service exists.
	UsesHeaderSecret bool
	// UsesIDToken reports whether a reissue-mode service exists.
	UsesIDToken bool
}

// AllMethods is every method a rule may match.
var AllMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// authenticatorFor maps a profile "allow" entry to an Oathkeeper authenticator.
var authenticatorFor = map[string]string{
	"session":              "cookie_session",
	"bearer":               "bearer_token",
	"jwt":                  "jwt",
	"oauth2_introspection": "oauth2_introspection",
	"anonymous":            "anonymous",
}

// URLPattern is the regular expression (regexp2 syntax, no delimiters) that
// matches the URLs of a service: scheme://host[:port]/path.
func URLPattern(s profile.Service) string {
	hosts := make([]string, len(s.Hosts))
	for i, h := range s.Hosts {
		hosts[i] = regexp.QuoteMeta(h)
	}
	var paths []string
	for _, p := range s.Paths {
		p = strings.TrimSuffix(p, "/")
		if p == "" {
			paths = append(paths, "(?:/.*)?")
			continue
		}
		paths = append(paths, regexp.QuoteMeta(p)+"(?:/.*)?")
	}
	pathRe := paths[0]
	if len(paths) > 1 {
		pathRe = "(?:" + strings.Join(paths, "|") + ")"
	}
	return "https?://(?:" + strings.Join(hosts, "|") + ")(?::[0-9]+)?" + pathRe
}

// UpstreamURL is the in-cluster URL of a service's upstream.
func UpstreamURL(s profile.Service) string {
	if s.Upstream.URL != "" {
		return strings.TrimSuffix(s.Upstream.URL, "/")
	}
	return fmt.Sprintf("http://%s.%s.svc.cluster.local:%d", s.Upstream.Service, s.Upstream.Namespace, s.Upstream.Port)
}

// IDTokenIssuer is the iss of tokens Oathkeeper reissues; their keys are
// published at IDTokenIssuer + ".well-known/jwks.json".
func IDTokenIssuer(w profile.Wiring) string { return w.OathkeeperAPIInternalURL + "/" }

// BuildRules derives the access rules from the profile's services. It
// always ends with a default-deny rule for every URL no other rule matches,
// which Oathkeeper itself lacks. The catch-all uses a negative lookahead
// (Oathkeeper's regexp engine is regexp2), so no URL is ever matched by two
// rules.
func BuildRules(p *profile.Profile) *RuleSet {
	w := p.Wiring()
	rs := &RuleSet{}
	headers := map[string]bool{}
	var covered []string
	for _, s := range p.Spec.Services {
		pattern := URLPattern(s)
		covered = append(covered, pattern)
		methods := s.Methods
		if len(methods) == 0 {
			methods = AllMethods
		}
		r := Rule{
			ID:          p.Metadata.Name + ":" + s.Name,
			Description: "Protects " + strings.Join(s.Hosts, ", ") + ".",
			Match:       Match{URL: "<" + pattern + ">", Methods: methods},
			Upstream:    &Upstream{URL: UpstreamURL(s), PreserveHost: true},
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
		if len(s.RequiredGroups) > 0 {
			r.Authorizer = Handler{Handler: "remote_json", Config: map[string]any{
				"remote":  w.AuthzURL,
				"payload": groupsPayload(s),
			}}
		}
		switch s.Forward.Mode {
		case "passthrough":
			r.Mutators = []Handler{{Handler: "noop"}}
		case "headers":
			r.Mutators = []Handler{{Handler: "header", Config: map[string]any{"headers": map[string]string{
				"X-User-Id":     "{{ print .Subject }}",
				"X-User-Email":  emailTemplate(s),
				"X-User-Groups": groupsTemplate(s),
			}}}}
			for _, h := range []string{"x-user-id", "x-user-email", "x-user-groups", strings.ToLower(GatewaySecretHeader)} {
				headers[h] = true
			}
			rs.UsesHeaderSecret = true
		case "reissue":
			r.Mutators = []Handler{{Handler: "id_token", Config: map[string]any{
				"ttl": s.Forward.TTL,
				"claims": `{"aud": ` + mustJSONString(s.Forward.Audience) +
					`, "email": "` + emailTemplate(s) + `", "groups": {{ ` + groupsJSON(s) + ` }}}`,
			}}}
			headers["authorization"] = true
			rs.UsesIDToken = true
		}
		if s.OnFailure == "redirect" {
			// Browsers are redirected; everything else falls back to the
			// global json handler (listing it here too would make two
			// handlers responsible, which Oathkeeper treats as an error).
			r.Errors = []Handler{
				{Handler: "redirect", Config: map[string]any{"to": w.LoginURL, "return_to_query_param": "return_to", "when": browserOnly()}},
			}
		} else {
			r.Errors = []Handler{{Handler: "json"}}
		}
		rs.Rules = append(rs.Rules, r)
	}
	catchAll := "<.*>"
	if len(covered) > 0 {
		catchAll = "<(?!(?:" + strings.Join(covered, "|") + ")$).*>"
	}
	rs.Rules = append(rs.Rules, Rule{
		ID:             p.Metadata.Name + ":default-deny",
		Description:    "Denies every request that no other rule matches.",
		Match:          Match{URL: catchAll, Methods: AllMethods},
		Authenticators: []Handler{{Handler: "unauthorized"}},
		Authorizer:     Handler{Handler: "deny"},
		Mutators:       []Handler{{Handler: "noop"}},
		Errors:         []Handler{{Handler: "json"}},
	})
	for h := range headers {
		rs.UpstreamHeaders = append(rs.UpstreamHeaders, h)
	}
	sort.Strings(rs.UpstreamHeaders)
	rs.Handlers = buildHandlers(p, w, rs)
	return rs
}

// browserOnly limits the redirect error handler to requests that accept
// HTML; APIs get the JSON 401 instead.
func browserOnly() []any {
	return []any{map[string]any{
		"error":   []string{"unauthorized", "forbidden"},
		"request": map[string]any{"header": map[string]any{"accept": []string{"text/html"}}},
	}}
}

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

func emailTemplate(s profile.Service) string {
	if usesSession(s) {
		return "{{ print .Extra.identity.traits.email }}"
	}
	return "{{ print .Extra.email }}"
}

func groupsField(s profile.Service) string {
	if usesSession(s) {
		return ".Extra.identity.metadata_public.groups"
	}
	return ".Extra.groups"
}

func groupsTemplate(s profile.Service) string {
	return "{{ if " + groupsField(s) + " }}{{ join \",\" " + groupsField(s) + " }}{{ end }}"
}

func groupsJSON(s profile.Service) string {
	return "if " + groupsField(s) + " }}{{ toJson " + groupsField(s) + " }}{{ else }}[]{{ end"
}

func groupsPayload(s profile.Service) string {
	return `{"subject": "{{ print .Subject }}", "groups": {{ ` + groupsJSON(s) + ` }}, "required": ` + mustJSONString(s.RequiredGroups) + `}`
}

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
			"extra_from":        "@this",
			"subject_from":      "identity.id",
			"only":              []string{"ory_kratos_session"},
		}},
	}
	if used["authn:bearer_token"] {
		authn["bearer_token"] = map[string]any{"enabled": true, "config": map[string]any{
			"check_session_url": w.CheckSessionURL,
			"preserve_path":     true,
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
		// The shared-secret header is added from the environment (a Secret)
		// and merged with each rule's headers by Oathkeeper.
		mut["header"] = map[string]any{"enabled": true, "config": map[string]any{"headers": map[string]string{}}}
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

func mustJSONString(v []string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, s := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	b.WriteString("]")
	return b.String()
}
