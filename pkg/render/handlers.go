package render

import (
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// browserOnly limits a redirect error handler to requests that accept
// HTML and to the given errors; APIs get the JSON 401 or 403 instead.
func browserOnly(errs ...string) []any {
	return []any{map[string]any{
		"error":   errs,
		"request": map[string]any{"header": map[string]any{"accept": []string{"text/html"}}},
	}}
}

// HandlersUsed lists the handlers the rules reference, each as
// "section:name" with section authn, authz, mut or err: the handlers
// buildHandlers enables, and no others.
func HandlersUsed(rules []Rule) map[string]bool {
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
	return used
}

// buildHandlers enables exactly the handlers the rules reference and gives
// each one the configuration derived from the wiring.
func buildHandlers(p *profile.Profile, w profile.Wiring, rs *RuleSet) Handlers {
	used := HandlersUsed(rs.Rules)
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
