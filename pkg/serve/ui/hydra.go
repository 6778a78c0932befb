package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"

	"github.com/authctl/authctl/pkg/serve/tokenhook"
)

// consentRequest is the part of Hydra's consent request the page reads.
type consentRequest struct {
	Challenge         string   `json:"challenge"`
	RequestedScope    []string `json:"requested_scope"`
	RequestedAudience []string `json:"requested_access_token_audience"`
	Skip              bool     `json:"skip"`
	Subject           string   `json:"subject"`
	Client            struct {
		ClientID   string `json:"client_id"`
		ClientName string `json:"client_name"`
	} `json:"client"`
}

type consentView struct {
	Challenge string
	Client    string
	Scopes    []scopeView
	CSRF      string
}

// scopeView is a requested scope and what it releases, in words.
type scopeView struct{ Name, Description string }

// scopeDescriptions say what the scopes this stack knows release; another
// scope is shown by its name alone.
var scopeDescriptions = map[string]string{
	"openid":         "confirm who you are",
	"email":          "your email address",
	"groups":         "the groups you belong to",
	"profile":        "your name",
	"offline_access": "stay signed in (refresh tokens)",
}

// consentPage asks the person whether the client may have the scopes it
// asked for. Hydra's remembered consent (skip) and the profile's
// first-party clients are accepted without asking.
func (h *handler) consentPage(w http.ResponseWriter, r *http.Request) {
	challenge := r.URL.Query().Get("consent_challenge")
	if challenge == "" || h.cfg.HydraAdminURL == "" {
		h.render(w, http.StatusBadRequest, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "This page needs a consent challenge from the OAuth2 server."}})
		return
	}
	var cr consentRequest
	if err := h.hydra(r.Context(), http.MethodGet, "/admin/oauth2/auth/requests/consent?consent_challenge="+url.QueryEscape(challenge), nil, &cr); err != nil {
		h.hydraFailed(w, "read the consent request", err)
		return
	}
	if cr.Skip || slices.Contains(h.cfg.FirstPartyClients, cr.Client.ClientID) {
		h.acceptConsent(w, r, challenge, cr, cr.RequestedScope, false)
		return
	}
	name := cr.Client.ClientName
	if name == "" {
		name = cr.Client.ClientID
	}
	v := &consentView{Challenge: challenge, Client: name, CSRF: h.csrfToken(w, r)}
	for _, sc := range cr.RequestedScope {
		v.Scopes = append(v.Scopes, scopeView{Name: sc, Description: scopeDescriptions[sc]})
	}
	h.render(w, http.StatusOK, "consent.html", page{Title: "Allow access?", Consent: v})
}

// consentSubmit grants the scopes the person left ticked (only scopes the
// client asked for), or denies.
func (h *handler) consentSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.render(w, http.StatusForbidden, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "The form expired. Please go back and try again."}})
		return
	}
	challenge := r.PostFormValue("consent_challenge")
	var cr consentRequest
	if err := h.hydra(r.Context(), http.MethodGet, "/admin/oauth2/auth/requests/consent?consent_challenge="+url.QueryEscape(challenge), nil, &cr); err != nil {
		h.hydraFailed(w, "read the consent request", err)
		return
	}
	if r.PostFormValue("action") != "accept" {
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		body := map[string]any{"error": "access_denied", "error_description": "The person declined the request."}
		if err := h.hydra(r.Context(), http.MethodPut, "/admin/oauth2/auth/requests/consent/reject?consent_challenge="+url.QueryEscape(challenge), body, &out); err != nil {
			h.hydraFailed(w, "reject the consent request", err)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusSeeOther)
		return
	}
	var granted []string
	for _, s := range r.PostForm["grant_scope"] {
		if slices.Contains(cr.RequestedScope, s) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	h.acceptConsent(w, r, challenge, cr, granted, r.PostFormValue("remember") == "true")
}

// acceptConsent accepts with the granted scopes, the requested audience and
// the identity's claims for those scopes (the token hook's claim mapping,
// so an id_token says the same with and without the hook), then sends the
// browser on.
func (h *handler) acceptConsent(w http.ResponseWriter, r *http.Request, challenge string, cr consentRequest, granted []string, remember bool) {
	claims := map[string]any{}
	if h.cfg.KratosAdminURL != "" && cr.Subject != "" {
		identity, err := tokenhook.Identity(r.Context(), h.cfg.HTTPClient, h.cfg.KratosAdminURL, cr.Subject)
		if errors.Is(err, tokenhook.ErrIdentityGone) {
			identity, err = map[string]any{"state": "deleted"}, nil
		}
		if err != nil {
			h.cfg.Logger.Error("ui: could not read the identity for consent", "subject", cr.Subject, "error", err)
			h.render(w, http.StatusBadGateway, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "Your account could not be read. Please try again in a moment."}})
			return
		}
		if identity["state"] != nil && identity["state"] != "active" {
			h.render(w, http.StatusForbidden, "error.html", page{Title: "Access denied", Error: &kratosError{Message: "This account is not active."}})
			return
		}
		claims = tokenhook.Claims(identity, h.cfg.Claims, granted)
	}
	body := map[string]any{
		"grant_scope":                 nonNil(granted),
		"grant_access_token_audience": nonNil(cr.RequestedAudience),
		"remember":                    remember,
		"session":                     map[string]any{"id_token": claims},
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := h.hydra(r.Context(), http.MethodPut, "/admin/oauth2/auth/requests/consent/accept?consent_challenge="+url.QueryEscape(challenge), body, &out); err != nil {
		h.hydraFailed(w, "accept the consent request", err)
		return
	}
	h.cfg.Logger.Info("ui: consent given", "client_id", cr.Client.ClientID, "subject", cr.Subject, "scopes", granted, "asked", !cr.Skip && !slices.Contains(h.cfg.FirstPartyClients, cr.Client.ClientID))
	http.Redirect(w, r, out.RedirectTo, http.StatusSeeOther)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type logoutView struct {
	Challenge string
	Client    string
	CSRF      string
}

// logoutPage asks before signing out: for Hydra's logout challenge (an
// app's sign-out) or for the Kratos session.
func (h *handler) logoutPage(w http.ResponseWriter, r *http.Request) {
	v := &logoutView{Challenge: r.URL.Query().Get("logout_challenge"), CSRF: h.csrfToken(w, r)}
	if v.Challenge != "" {
		var lr struct {
			Client *struct {
				ClientID   string `json:"client_id"`
				ClientName string `json:"client_name"`
			} `json:"client"`
		}
		if err := h.hydra(r.Context(), http.MethodGet, "/admin/oauth2/auth/requests/logout?logout_challenge="+url.QueryEscape(v.Challenge), nil, &lr); err != nil {
			h.hydraFailed(w, "read the logout request", err)
			return
		}
		if lr.Client != nil {
			v.Client = cmpOr(lr.Client.ClientName, lr.Client.ClientID)
		}
	}
	h.render(w, http.StatusOK, "logout.html", page{Title: "Sign out", Logout: v, Links: []link{{"/", "Cancel"}}})
}

// logoutSubmit signs out. With Hydra's challenge Hydra ends its own
// session and, through identity_provider, the Kratos session. Without one
// the UI ends the person's Hydra login sessions (when Hydra is wired) and
// sends the browser to Kratos' logout URL.
func (h *handler) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.render(w, http.StatusForbidden, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "The form expired. Please go back and try again."}})
		return
	}
	if challenge := r.PostFormValue("logout_challenge"); challenge != "" {
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		if err := h.hydra(r.Context(), http.MethodPut, "/admin/oauth2/auth/requests/logout/accept?logout_challenge="+url.QueryEscape(challenge), nil, &out); err != nil {
			h.hydraFailed(w, "accept the logout request", err)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusSeeOther)
		return
	}
	var s struct {
		Identity struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	status, kerr, err := h.kratosGet(r.Context(), r, "/sessions/whoami", &s)
	// A session below its AAL (stopped at the second factor, or from
	// before the person enrolled one) is refused by whoami, which then
	// names no identity; Kratos' logout takes it all the same.
	belowAAL := err == nil && status == http.StatusForbidden && kerr != nil && kerr.ID == "session_aal2_required"
	if (err != nil || status != http.StatusOK) && !belowAAL {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if h.cfg.HydraAdminURL != "" && !belowAAL {
		if err := h.hydra(r.Context(), http.MethodDelete, "/admin/oauth2/auth/sessions/login?subject="+url.QueryEscape(s.Identity.ID), nil, nil); err != nil {
			h.cfg.Logger.Error("ui: could not end the Hydra login sessions", "subject", s.Identity.ID, "error", err)
		}
	}
	var lo struct {
		LogoutURL string `json:"logout_url"`
	}
	status, _, err = h.kratosGet(r.Context(), r, "/self-service/logout/browser", &lo)
	if err != nil || status != http.StatusOK || lo.LogoutURL == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, lo.LogoutURL, http.StatusSeeOther)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (h *handler) hydraFailed(w http.ResponseWriter, what string, err error) {
	h.cfg.Logger.Error("ui: could not "+what, "error", err)
	h.render(w, http.StatusBadGateway, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "The sign-in request could not be completed. It may have expired: please start again from the app."}})
}

// errHydraStatus is an unexpected answer of Hydra's admin API.
var errHydraStatus = errors.New("unexpected answer")

// hydra calls Hydra's admin API with a JSON body and decodes the answer.
func (h *handler) hydra(ctx context.Context, method, path string, body, out any) error {
	if h.cfg.HydraAdminURL == "" {
		return errors.New("no hydra admin URL is configured")
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.cfg.HydraAdminURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("could not reach hydra: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("hydra %s %s: HTTP %d: %s: %w", method, path[:min(len(path), 40)], resp.StatusCode, bytes.TrimSpace(msg), errHydraStatus)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("could not decode hydra's answer: %w", err)
	}
	return nil
}
