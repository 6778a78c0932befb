package ui

import (
	"net/http"
	"net/url"
)

// secondFactorGroups are Kratos' node groups that a person can pass a
// second factor with.
var secondFactorGroups = map[string]bool{"totp": true, "lookup_secret": true, "webauthn": true, "code": true}

// stepUpPage is where the gateway sends a browser that a service with
// mfa: required refused (Oathkeeper's redirect error handler on
// "forbidden", with return_to). It tells the three people apart by their
// Kratos session, so none of them loops: without a session, the login
// page; at aal1, Kratos' aal2 login (a second factor), which returns to
// return_to; at aal2 the refusal was the service's groups, which no login
// changes: an access-denied page. return_to is only passed on to Kratos,
// which checks it against its allowed return URLs.
func (h *handler) stepUpPage(w http.ResponseWriter, r *http.Request) {
	q := url.Values{}
	if rt := r.URL.Query().Get("return_to"); rt != "" {
		q.Set("return_to", rt)
	}
	var s struct {
		AAL string `json:"authenticator_assurance_level"`
	}
	status, _, err := h.kratosGet(r.Context(), r, "/sessions/whoami", &s)
	switch {
	case err != nil:
		h.cfg.Logger.Error("ui: could not read the session for a step-up", "error", err)
		h.render(w, http.StatusBadGateway, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "The sign-in service could not be reached. Please try again in a moment."}})
	case status != http.StatusOK:
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	case s.AAL == "aal2":
		h.render(w, http.StatusForbidden, "error.html", page{Title: "Access denied", Error: &kratosError{
			Message: "You are signed in with a second factor, but your account may not use this page. Ask an administrator for access.",
		}, Links: []link{{"/", "Your account"}, {"/logout", "Sign out"}}})
	default:
		q.Set("aal", "aal2")
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	}
}

// forbiddenPage is where the gateway sends a signed-in browser that a
// service's requiredGroups refused (Oathkeeper's redirect error handler on
// "forbidden"): no login can help, so it says so instead of sending the
// person to a login page that sends them straight back. Without a session
// (it expired on the way) it is the login page.
func (h *handler) forbiddenPage(w http.ResponseWriter, r *http.Request) {
	var session struct{}
	status, _, err := h.kratosGet(r.Context(), r, "/sessions/whoami", &session)
	switch {
	case err != nil:
		h.cfg.Logger.Error("ui: could not read the session for an access-denied page", "error", err)
		h.render(w, http.StatusBadGateway, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "The sign-in service could not be reached. Please try again in a moment."}})
	case status != http.StatusOK:
		q := url.Values{}
		if rt := r.URL.Query().Get("return_to"); rt != "" {
			q.Set("return_to", rt)
		}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	default:
		h.render(w, http.StatusForbidden, "error.html", page{Title: "Access denied", Error: &kratosError{
			Message: "You are signed in, but your account may not use this page. Ask an administrator for access.",
		}, Links: []link{{"/", "Your account"}, {"/logout", "Sign out"}}})
	}
}

// secondFactorPage titles a second-factor login and, when it offers no
// way to pass one, says so and links to settings.
func secondFactorPage(p *page, f Flow) {
	p.Title = "Second factor"
	if msg, l, ok := noSecondFactor(p.Forms, f.ReturnTo); ok {
		p.Messages = append(p.Messages, msg)
		p.Links = append([]link{l}, p.Links...)
	}
}

// noSecondFactor is the notice of a second-factor login that offers no
// way to pass it: the person has not enrolled one. It sends them to
// settings to enrol (keeping return_to) instead of leaving them on an
// empty form.
func noSecondFactor(forms []Form, returnTo string) (Message, link, bool) {
	for _, f := range forms {
		if secondFactorGroups[f.Group] {
			return Message{}, link{}, false
		}
	}
	href := "/settings"
	if returnTo != "" {
		href += "?" + url.Values{"return_to": {returnTo}}.Encode()
	}
	return Message{ID: 1, Type: "info", Text: "This page needs a second factor, and your account has none yet. Set up an authenticator app or a security key in your account settings, then come back."},
		link{href, "Set up a second factor"}, true
}

// secondFactorDue reports whether a login page without a flow should ask
// Kratos for the second factor: the browser's session is one Kratos'
// whoami refuses with session_aal2_required (session.whoami.required_aal
// highest_available, Kratos' default: the person enrolled a second factor
// after this session signed in). Kratos would answer a plain login with
// "already signed in" and send the browser back to return_to, where the
// gateway refuses the same session again: a loop.
func (h *handler) secondFactorDue(r *http.Request) bool {
	q := r.URL.Query()
	if r.Header.Get("Cookie") == "" || q.Get("aal") != "" || q.Get("refresh") != "" || q.Get("login_challenge") != "" {
		return false
	}
	var s struct{}
	status, kerr, err := h.kratosGet(r.Context(), r, "/sessions/whoami", &s)
	return err == nil && status == http.StatusForbidden && kerr != nil && kerr.ID == "session_aal2_required"
}
