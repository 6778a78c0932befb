// Package ui is authctl's self-service UI: the pages a person meets when
// signing in to a stack (login, registration, verification, recovery,
// settings, error, logout) and Hydra's consent and logout. Kratos handles
// Hydra's login_challenge itself (oauth2_provider.url), so the login page
// only passes it on.
//
// The pages render Kratos' UI nodes generically, one form per method
// group, so a method Kratos adds appears without code. They load nothing
// but their own stylesheet and script and, for passkeys and security
// keys, Kratos' webauthn.js; every answer carries a Content-Security-Policy
// that admits exactly those, frame-ancestors 'none' and Cache-Control:
// no-store. Kratos' CSRF token is a node like any other and goes back in
// each form; the UI's own forms (consent, logout) carry a token bound to a
// cookie of the UI's.
package ui

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authctl/authctl/pkg/serve/tokenhook"
)

// CSRFSecretEnv is the environment variable `authctl serve ui` reads its
// one secret from (never a flag: flags show up in process listings). The
// UI has one cookie of its own, the CSRF cookie of its consent and logout
// forms; Kratos' and Hydra's cookies are keyed by their own secrets, so
// the UI needs no other (Ory's UI's COOKIE_SECRET is not rendered for it).
const (
	CSRFSecretEnv = "CSRF_COOKIE_SECRET"
	// MinSecretLength is the shortest CSRF secret the UI accepts.
	MinSecretLength = 16
)

// Config configures the UI.
type Config struct {
	// KratosPublicURL is where the UI itself reaches Kratos' public API
	// (in a cluster: the Service).
	KratosPublicURL string
	// KratosBrowserURL is Kratos' public URL as browsers see it: flows
	// start there, and Kratos' webauthn.js is loaded from it.
	KratosBrowserURL string
	// HydraAdminURL is Hydra's admin API, for consent and logout
	// challenges ("" without Hydra).
	HydraAdminURL string
	// KratosAdminURL is Kratos' admin API: consent reads the identity to
	// put its claims into the id_token ("" puts none).
	KratosAdminURL string
	// Claims names the identity fields of the email and groups claims and
	// the scope that releases groups (the token hook's, spec.kubernetes.claims).
	Claims tokenhook.ClaimFields
	// ProductName is shown in every page's title and heading.
	ProductName string
	// FirstPartyClients are the OAuth2 client ids whose consent is given
	// without asking the person (spec.ui.firstPartyClients).
	FirstPartyClients []string
	// Registration and Recovery show the links to those flows.
	Registration, Recovery bool
	// CSRFCookieName names the cookie behind the UI's own forms; a
	// __Host- name is sent Secure.
	CSRFCookieName string
	// CSRFSecret keys the UI's own form tokens (at least MinSecretLength).
	CSRFSecret string
	HTTPClient *http.Client
	Logger     *slog.Logger
}

//go:embed templates/*.html static/*
var assets embed.FS

// handler serves the pages.
type handler struct {
	cfg          Config
	kratosOrigin string
	pages        *template.Template
	static       http.Handler
	csp          string
	secureCookie bool
}

// New returns the UI's handler, with /health/alive and /health/ready.
func New(cfg Config) (http.Handler, error) {
	if cfg.KratosPublicURL == "" {
		return nil, errors.New("the kratos public URL is required")
	}
	if cfg.KratosBrowserURL == "" {
		return nil, errors.New("the kratos browser URL is required")
	}
	kb, err := url.Parse(cfg.KratosBrowserURL)
	if err != nil || kb.Host == "" || (kb.Scheme != "http" && kb.Scheme != "https") {
		return nil, fmt.Errorf("invalid kratos browser URL %q", cfg.KratosBrowserURL)
	}
	if len(cfg.CSRFSecret) < MinSecretLength {
		return nil, fmt.Errorf("the UI needs a CSRF secret of at least %d characters (%s)", MinSecretLength, CSRFSecretEnv)
	}
	cfg.KratosPublicURL = strings.TrimSuffix(cfg.KratosPublicURL, "/")
	cfg.KratosBrowserURL = strings.TrimSuffix(cfg.KratosBrowserURL, "/")
	cfg.HydraAdminURL = strings.TrimSuffix(cfg.HydraAdminURL, "/")
	cfg.KratosAdminURL = strings.TrimSuffix(cfg.KratosAdminURL, "/")
	if cfg.ProductName == "" {
		cfg.ProductName = "Sign in"
	}
	if cfg.CSRFCookieName == "" {
		cfg.CSRFCookieName = "authctl_ui_csrf"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	// Kratos' redirects (a flow that needs a session) are the browser's to
	// follow, never the UI's.
	hc := *cfg.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.HTTPClient = &hc
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	pages, err := template.New("").Funcs(template.FuncMap{"flowTitle": flowTitle, "groupTitle": groupTitle}).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("could not parse the UI's templates: %w", err)
	}
	static, _ := fs.Sub(assets, "static")
	origin := kb.Scheme + "://" + kb.Host
	h := &handler{
		cfg: cfg, kratosOrigin: origin, pages: pages,
		static:       http.StripPrefix("/static/", http.FileServerFS(static)),
		secureCookie: strings.HasPrefix(cfg.CSRFCookieName, "__Host-") || kb.Scheme == "https",
		// Kratos' webauthn.js is the only script from elsewhere; images
		// are Kratos' data: QR codes. No form-action: Chromium applies it
		// to the redirects after a form's submission too, and Kratos sends
		// the person on to wherever return_to, Hydra or an OAuth2 client's
		// redirect URI says.
		csp: "default-src 'none'; script-src 'self' " + origin + "; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self' " + origin + "; base-uri 'none'; frame-ancestors 'none'",
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/alive", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.Handle("GET /static/", h.headers(h.static))
	for _, kind := range flowKinds {
		mux.Handle("GET /"+kind, h.headers(h.flowPage(kind)))
	}
	mux.Handle("GET /error", h.headers(http.HandlerFunc(h.errorPage)))
	mux.Handle("GET /logout", h.headers(http.HandlerFunc(h.logoutPage)))
	mux.Handle("POST /logout", h.headers(http.HandlerFunc(h.logoutSubmit)))
	mux.Handle("GET /step-up", h.headers(http.HandlerFunc(h.stepUpPage)))
	mux.Handle("GET /forbidden", h.headers(http.HandlerFunc(h.forbiddenPage)))
	mux.Handle("GET /consent", h.headers(http.HandlerFunc(h.consentPage)))
	mux.Handle("POST /consent", h.headers(http.HandlerFunc(h.consentSubmit)))
	mux.Handle("GET "+KubectlCodePath, h.headers(http.HandlerFunc(h.kubectlCode)))
	mux.Handle("GET /{$}", h.headers(http.HandlerFunc(h.home)))
	return mux, nil
}

// flowKinds are Kratos' self-service flows, each a page of the same name.
var flowKinds = []string{"login", "registration", "settings", "recovery", "verification"}

func flowTitle(kind string) string {
	switch kind {
	case "login":
		return "Sign in"
	case "registration":
		return "Create an account"
	case "settings":
		return "Account settings"
	case "recovery":
		return "Recover your account"
	case "verification":
		return "Verify your email address"
	}
	return kind
}

// groupTitle names a method group on the settings page; a group this
// list lacks is shown by its own name.
func groupTitle(group string) string {
	switch group {
	case "profile":
		return "Profile"
	case "password":
		return "Password"
	case "totp":
		return "Authenticator app"
	case "lookup_secret":
		return "Backup codes"
	case "webauthn":
		return "Security keys"
	case "passkey":
		return "Passkeys"
	case "oidc":
		return "Linked accounts"
	case "code":
		return "One-time codes"
	}
	return group
}

// headers sets the security headers of every answer.
func (h *handler) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", h.csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		// Flow ids and challenges stay off other sites; Kratos and Hydra
		// still see the page's origin on a form post.
		hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		hd.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Product  string
	Title    string
	Kind     string
	Flow     *Flow
	Forms    []Form
	Messages []Message
	Scripts  []Node
	Links    []link
	// Error page, consent and logout.
	Error   *kratosError
	Consent *consentView
	Logout  *logoutView
	Home    *homeView
	// KubectlCode is the headless kubectl login's code page.
	KubectlCode *kubectlCodeView
}

type link struct{ Href, Text string }

func (h *handler) render(w http.ResponseWriter, status int, name string, p page) {
	p.Product = h.cfg.ProductName
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := h.pages.ExecuteTemplate(w, name, p); err != nil {
		h.cfg.Logger.Error("ui: could not render a page", "page", name, "error", err)
	}
}

// flowParams are the query parameters a page passes on to Kratos when it
// starts a flow: where to go afterwards, Hydra's login challenge, a second
// factor or a fresh login.
var flowParams = []string{"return_to", "login_challenge", "aal", "refresh", "via", "organization"}

// flowPage serves one self-service flow: without ?flow= it sends the
// browser to Kratos to start one (Kratos comes back with ?flow=); with it,
// it reads the flow with the browser's cookies and renders its nodes.
func (h *handler) flowPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id := q.Get("flow")
		if id == "" && kind == "settings" && !h.signedIn(r) {
			// Kratos would send the person to its default page after
			// signing in; come back here instead.
			http.Redirect(w, r, "/login?return_to="+url.QueryEscape(h.selfURL(r, "/settings")), http.StatusSeeOther)
			return
		}
		if id == "" {
			if kind == "login" && h.secondFactorDue(r) {
				q.Set("aal", "aal2")
				r.URL.RawQuery = q.Encode()
			}
			h.startFlow(w, r, kind)
			return
		}
		var f Flow
		status, kerr, err := h.kratosGet(r.Context(), r, "/self-service/"+kind+"/flows?id="+url.QueryEscape(id), &f)
		switch {
		case err != nil:
			h.cfg.Logger.Error("ui: could not read a flow", "flow", kind, "error", err)
			h.render(w, http.StatusBadGateway, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "The sign-in service could not be reached. Please try again in a moment."}})
			return
		case kerr != nil && kerr.RedirectBrowserTo != "":
			http.Redirect(w, r, kerr.RedirectBrowserTo, http.StatusSeeOther)
			return
		case status == http.StatusUnauthorized && kind == "settings":
			http.Redirect(w, r, "/login?return_to="+url.QueryEscape(h.selfURL(r, "/settings")), http.StatusSeeOther)
			return
		case status == http.StatusGone || status == http.StatusNotFound || status == http.StatusForbidden || status == http.StatusBadRequest:
			// Expired, unknown or another browser's flow: start afresh,
			// keeping where the person was going.
			h.startFlow(w, r, kind)
			return
		case status != http.StatusOK:
			h.render(w, http.StatusBadGateway, "error.html", page{Title: "Something went wrong", Error: kerr})
			return
		}
		p := page{Kind: kind, Title: flowTitle(kind), Flow: &f, Forms: Forms(f.UI), Messages: explainMessages(f.UI.Messages), Scripts: Scripts(f.UI, h.kratosOrigin)}
		p.Links = h.links(kind, f)
		if kind == "login" && f.RequestedAAL == "aal2" {
			secondFactorPage(&p, f)
		}
		h.render(w, http.StatusOK, "flow.html", p)
	}
}

// signedIn reports whether the browser's cookies carry a Kratos session.
func (h *handler) signedIn(r *http.Request) bool {
	var s struct{}
	status, _, err := h.kratosGet(r.Context(), r, "/sessions/whoami", &s)
	return err == nil && status == http.StatusOK
}

// startFlow sends the browser to Kratos to start a flow of kind, passing
// on the page's own flow parameters.
func (h *handler) startFlow(w http.ResponseWriter, r *http.Request, kind string) {
	q := url.Values{}
	for _, k := range flowParams {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	target := h.cfg.KratosBrowserURL + "/self-service/" + kind + "/browser"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// links are the ways from one page to the others, keeping return_to and
// Hydra's login challenge.
func (h *handler) links(kind string, f Flow) []link {
	keep := url.Values{}
	if f.ReturnTo != "" {
		keep.Set("return_to", f.ReturnTo)
	}
	suffix := ""
	if len(keep) > 0 {
		suffix = "?" + keep.Encode()
	}
	var out []link
	switch kind {
	case "login":
		if f.RequestedAAL == "aal2" {
			out = append(out, link{"/logout", "Sign out"})
			break
		}
		if h.cfg.Registration {
			reg := "/registration" + suffix
			if f.OAuth2LoginChallenge != "" {
				// Kratos continues Hydra's login after registration too.
				reg = "/registration?login_challenge=" + url.QueryEscape(f.OAuth2LoginChallenge)
			}
			out = append(out, link{reg, "Create an account"})
		}
		if h.cfg.Recovery {
			out = append(out, link{"/recovery" + suffix, "Forgot your password?"})
		}
	case "registration", "recovery", "verification":
		out = append(out, link{"/login" + suffix, "Sign in"})
	case "settings":
		out = append(out, link{"/", "Back"}, link{"/logout", "Sign out"})
	}
	return out
}

// selfURL is this UI's URL of path as the browser reached it.
func (h *handler) selfURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" || h.secureCookie {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// kratosError is Kratos' JSON error (a flow's or the error flow's).
type kratosError struct {
	ID                string `json:"id"`
	Code              int    `json:"code"`
	Status            string `json:"status"`
	Reason            string `json:"reason"`
	Message           string `json:"message"`
	RedirectBrowserTo string `json:"-"`
	// Hint is the UI's plain explanation (explainError).
	Hint string `json:"-"`
}

// kratosGet reads a Kratos public API path with the browser's cookies
// (Kratos ties flows to its CSRF cookie and settings to the session). It
// returns the status and, for an error answer, Kratos' error.
func (h *handler) kratosGet(ctx context.Context, r *http.Request, path string, out any) (int, *kratosError, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.cfg.KratosPublicURL+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if c := r.Header.Get("Cookie"); c != "" {
		req.Header.Set("Cookie", c)
	}
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("could not reach kratos: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("could not read kratos' answer: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			return 0, nil, fmt.Errorf("could not decode kratos' answer: %w", err)
		}
		return resp.StatusCode, nil, nil
	}
	var e struct {
		Error             kratosError `json:"error"`
		RedirectBrowserTo string      `json:"redirect_browser_to"`
	}
	_ = json.Unmarshal(body, &e)
	e.Error.RedirectBrowserTo = e.RedirectBrowserTo
	if e.RedirectBrowserTo == "" && e.Error.ID == "" && e.Error.Message == "" {
		return resp.StatusCode, &kratosError{Code: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}, nil
	}
	return resp.StatusCode, &e.Error, nil
}

// errorPage shows Kratos' error flow (?id=) or Hydra's error
// (?error=&error_description=).
func (h *handler) errorPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e := &kratosError{Message: "An unknown error occurred."}
	if id := q.Get("id"); id != "" {
		var out struct {
			Error kratosError `json:"error"`
		}
		if status, kerr, err := h.kratosGet(r.Context(), r, "/self-service/errors?id="+url.QueryEscape(id), &out); err == nil && status == http.StatusOK {
			e = &out.Error
		} else if kerr != nil {
			e = kerr
		}
	} else if msg := q.Get("error"); msg != "" {
		e = &kratosError{ID: msg, Message: q.Get("error_description"), Reason: q.Get("error_hint")}
	}
	explainError(e)
	h.render(w, http.StatusOK, "error.html", page{Title: "Something went wrong", Error: e, Links: []link{{"/", "Back to the start"}}})
}

type homeView struct {
	Email     string
	AAL       string
	Methods   []string
	LogoutURL string
}

// home shows who is signed in, with links to settings and sign-out;
// without a session it starts a login.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	var s struct {
		AuthenticatorAssuranceLevel string `json:"authenticator_assurance_level"`
		AuthenticationMethods       []struct {
			Method string `json:"method"`
		} `json:"authentication_methods"`
		Identity struct {
			Traits map[string]any `json:"traits"`
		} `json:"identity"`
	}
	status, _, err := h.kratosGet(r.Context(), r, "/sessions/whoami", &s)
	if err != nil {
		h.render(w, http.StatusBadGateway, "error.html", page{Title: "Something went wrong", Error: &kratosError{Message: "The sign-in service could not be reached. Please try again in a moment."}})
		return
	}
	if status != http.StatusOK {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	v := &homeView{AAL: s.AuthenticatorAssuranceLevel}
	if e, ok := s.Identity.Traits["email"].(string); ok {
		v.Email = e
	}
	for _, m := range s.AuthenticationMethods {
		if !slices.Contains(v.Methods, m.Method) {
			v.Methods = append(v.Methods, m.Method)
		}
	}
	h.render(w, http.StatusOK, "home.html", page{Title: "Signed in", Home: v, Links: []link{{"/settings", "Account settings"}, {"/logout", "Sign out"}}})
}

// csrfToken returns the UI's form token for this browser, setting its
// cookie when the browser has none: the token is an HMAC of the cookie's
// random value, so a page of another site can neither read nor make one.
func (h *handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(h.cfg.CSRFCookieName); err == nil && len(c.Value) >= 32 {
		return h.sign(c.Value)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: h.cfg.CSRFCookieName, Value: v, Path: "/", HttpOnly: true, Secure: h.secureCookie, SameSite: http.SameSiteLaxMode})
	return h.sign(v)
}

func (h *handler) sign(v string) string {
	m := hmac.New(sha256.New, []byte(h.cfg.CSRFSecret))
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether a POST carries the token of its cookie.
func (h *handler) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(h.cfg.CSRFCookieName)
	if err != nil || len(c.Value) < 32 {
		return false
	}
	return hmac.Equal([]byte(h.sign(c.Value)), []byte(r.PostFormValue("csrf_token")))
}
