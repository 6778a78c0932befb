package render

import (
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// authzPayload is the remote_json payload of a service with required
// groups or mfa: required. Oathkeeper fills it from what the authenticator
// verified (the Kratos session of cookie_session and bearer_token: its
// authenticator_assurance_level), so nothing in it comes from the request.
func authzPayload(s profile.Service) string {
	payload := extraLookup("groups", "list", groupsPath(s)) +
		`{"subject": {{ toJson .Subject }}, "groups": ` + groupsJSON + `, "required": ` + templateLiteral(mustJSON(nonNilList(s.RequiredGroups)))
	if s.MFA == profile.MFARequired {
		payload = extraLookup("aal", `""`, "authenticator_assurance_level") + payload +
			`, "mfa": true, "aal": {{ toJson (toString $aal) }}`
	}
	return payload + `}`
}

func nonNilList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// browserRedirects are the error handlers of a service whose failures send
// browsers on (onFailure: redirect): no session → the login page. A
// session the authorizer refused → the step-up page when the service asks
// for a second factor (it tells a session at aal1, which steps up, from
// one at aal2 that lacks the group, which gets an access-denied page, so
// nobody loops through a login that cannot help), else the built-in UI's
// access-denied page (with another UI, the JSON 403: the login page would
// send a signed-in person straight back, a redirect loop found by
// TestClusterUILogin). APIs (no text/html) get the global JSON handler's
// 401 or 403.
func browserRedirects(w profile.Wiring, s profile.Service) []Handler {
	login := func(errs ...string) Handler {
		return Handler{Handler: "redirect", Config: map[string]any{"to": w.LoginURL, "return_to_query_param": "return_to", "when": browserOnly(errs...)}}
	}
	if s.MFA != profile.MFARequired {
		if w.ForbiddenURL == "" {
			return []Handler{login("unauthorized")}
		}
		return []Handler{
			login("unauthorized"),
			{Handler: "redirect", Config: map[string]any{"to": w.ForbiddenURL, "return_to_query_param": "return_to", "when": browserOnly("forbidden")}},
		}
	}
	return []Handler{
		login("unauthorized"),
		{Handler: "redirect", Config: map[string]any{"to": w.StepUpURL, "return_to_query_param": "return_to", "when": browserOnly("forbidden")}},
	}
}

// mfaRule is the claim validation rule of spec.kubernetes.requireMFA.
// Kratos accepts Hydra's login with the session's authentication methods
// as amr (hydra/hydra.go: AcceptLoginRequest, v1.3.1), and Hydra writes
// them into the id_token; a refresh keeps the login's. So a token passes
// only when its login used one of the profile's second factors. A
// client-credentials token (CI, the username expression's client branch:
// sub == client_id) has no person and no amr, and is let through as
// before when that branch exists.
func mfaRule(p *profile.Profile) map[string]any {
	factors := profile.SecondFactors(p.Spec.Kratos)
	quoted := make([]string, len(factors))
	for i, f := range factors {
		quoted[i] = celString(f)
	}
	expr := "has(claims.amr) && dyn(claims.amr).exists(m, m in [" + strings.Join(quoted, ", ") + "])"
	if p.Spec.Kubernetes.UsernameClaim == "email" {
		expr = "(!has(claims.email) && has(claims.client_id) && claims.sub == claims.client_id) || (" + expr + ")"
	}
	return map[string]any{
		"expression": expr,
		"message":    "the login used no second factor (" + strings.Join(factors, ", ") + "): spec.kubernetes.requireMFA",
	}
}
