package render

import (
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
}

var allMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}

// BuildRules derives the access rules from the profile. It always ends with
// a default-deny rule for every URL no other rule matches, which Oathkeeper
// itself lacks. The catch-all uses a negative lookahead (Oathkeeper's regexp
// engine is regexp2), so no URL is ever matched by two rules.
func BuildRules(p *profile.Profile) *RuleSet {
	w := p.Wiring()
	rs := &RuleSet{}
	var covered []string
	for _, r := range rs.Rules {
		covered = append(covered, strings.TrimSuffix(strings.TrimPrefix(r.Match.URL, "<"), ">"))
	}
	catchAll := "<.*>"
	if len(covered) > 0 {
		sort.Strings(covered)
		catchAll = "<(?!(?:" + strings.Join(covered, "|") + ")$).*>"
	}
	rs.Rules = append(rs.Rules, Rule{
		ID:             p.Metadata.Name + ":default-deny",
		Description:    "Denies every request that no other rule matches.",
		Match:          Match{URL: catchAll, Methods: allMethods},
		Authenticators: []Handler{{Handler: "unauthorized"}},
		Authorizer:     Handler{Handler: "deny"},
		Mutators:       []Handler{{Handler: "noop"}},
		Errors:         []Handler{{Handler: "json"}},
	})
	rs.Handlers = buildHandlers(w, rs.Rules)
	return rs
}

// buildHandlers enables exactly the handlers the rules reference and gives
// each one the configuration derived from the wiring.
func buildHandlers(w profile.Wiring, rules []Rule) Handlers {
	used := map[string]bool{}
	for _, r := range rules {
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
	authn := map[string]any{
		// Configured even when unused so the wiring is visible and a rule
		// added later by oathkeeper-maester works; enabled only when used.
		"cookie_session": map[string]any{"enabled": used["authn:cookie_session"], "config": map[string]any{
			"check_session_url": w.CheckSessionURL,
			"preserve_path":     true,
			"extra_from":        "@this",
			"subject_from":      "identity.id",
			"only":              []string{"ory_kratos_session"},
		}},
	}
	for _, h := range []string{"noop", "anonymous", "unauthorized"} {
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
	mut := map[string]any{}
	if used["mut:noop"] {
		mut["noop"] = map[string]any{"enabled": true}
	}
	errs := map[string]any{
		"fallback": []string{"json"},
		"handlers": map[string]any{"json": map[string]any{"enabled": true, "config": map[string]any{"verbose": false}}},
	}
	return Handlers{Authenticators: authn, Authorizers: authz, Mutators: mut, Errors: errs}
}
