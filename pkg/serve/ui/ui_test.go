package ui_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/authctl/authctl/pkg/serve/tokenhook"
	"github.com/authctl/authctl/pkg/serve/ui"
)

const kratosBrowser = "https://id.dev.example.com"

func readFlow(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordedKratos answers the flow paths with recorded Kratos JSON (the
// nodes come from the file, the pages cannot know them) and records the
// Cookie header each call carried.
func recordedKratos(t *testing.T, flows map[string][]byte) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var cookies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cookies = append(cookies, r.Header.Get("Cookie"))
		mu.Unlock()
		body, ok := flows[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusGone)
			_, _ = io.WriteString(w, `{"error":{"id":"self_service_flow_expired","code":410,"message":"expired"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &cookies
}

func newUI(t *testing.T, cfg ui.Config) http.Handler {
	t.Helper()
	if cfg.KratosBrowserURL == "" {
		cfg.KratosBrowserURL = kratosBrowser + "/"
	}
	if cfg.CSRFSecret == "" {
		cfg.CSRFSecret = "a-test-csrf-secret-of-32-chars!!"
	}
	if cfg.ProductName == "" {
		cfg.ProductName = "Example Staff Login"
	}
	h, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, target string, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestFormsOnePerGroupWithTheDefaultNodes(t *testing.T) {
	var f ui.Flow
	if err := json.Unmarshal(readFlow(t, "login-flow.json"), &f); err != nil {
		t.Fatal(err)
	}
	forms := ui.Forms(f.UI)
	var groups []string
	for _, fm := range forms {
		groups = append(groups, fm.Group)
		if fm.Fields[0].Node.Attributes.Name != "csrf_token" || fm.Fields[0].Kind != "hidden" {
			t.Errorf("form %s does not start with Kratos' csrf_token: %+v", fm.Group, fm.Fields[0])
		}
		if fm.Action != f.UI.Action || fm.Method != "POST" {
			t.Errorf("form %s posts to %s %s, want the flow's action", fm.Group, fm.Method, fm.Action)
		}
	}
	// webauthn holds only Kratos' script, which loads in the head.
	if got, want := strings.Join(groups, ","), "password,passkey,brandnew"; got != want {
		t.Fatalf("groups %s, want %s", got, want)
	}
	// The identifier appears in the password and the new method's forms,
	// not in the passkey's (a discoverable credential names the person).
	for _, fm := range forms {
		has := false
		for _, fl := range fm.Fields {
			has = has || fl.Node.Attributes.Name == "identifier"
		}
		if has == (fm.Group == "passkey") {
			t.Errorf("form %s: identifier shown = %v", fm.Group, has)
		}
	}
	for _, fl := range forms[1].Fields {
		if fl.Node.Attributes.Name == "passkey_login_trigger" && (fl.Kind != "button" || fl.Trigger != "oryPasskeyLogin") {
			t.Errorf("passkey trigger is %+v, want a button running oryPasskeyLogin", fl)
		}
		if fl.Node.Attributes.Name == "passkey_challenge" && fl.LoadTrigger != "oryPasskeyLoginAutocompleteInit" {
			t.Errorf("passkey challenge has no load trigger: %+v", fl)
		}
	}
}

func TestTriggerNamesOnlyKratosFunctions(t *testing.T) {
	c := ui.Container{Nodes: []ui.Node{
		{Type: "input", Group: "webauthn", Attributes: ui.Attributes{Name: "a", InputType: "button", OnClickTrigger: "alert(document.cookie)"}},
		{Type: "input", Group: "webauthn", Attributes: ui.Attributes{Name: "b", InputType: "button", OnClickTrigger: "oryWebAuthnRegistration"}},
	}}
	f := ui.Forms(c)[0].Fields
	if f[0].Trigger != "" || f[1].Trigger != "oryWebAuthnRegistration" {
		t.Fatalf("triggers %q %q: only ory* function names may pass", f[0].Trigger, f[1].Trigger)
	}
}

func TestLoginPageRendersKratosNodes(t *testing.T) {
	kratos, cookies := recordedKratos(t, map[string][]byte{"/self-service/login/flows": readFlow(t, "login-flow.json")})
	h := newUI(t, ui.Config{KratosPublicURL: kratos.URL, Registration: true, Recovery: true})
	rec := get(t, h, "/login?flow=5a6b3c1e-8b0c-4c8e-9a53-3b1c0f1d2e3f", "csrf_token_abc=kratos-csrf-cookie")
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
	if (*cookies)[0] != "csrf_token_abc=kratos-csrf-cookie" {
		t.Errorf("the flow was read with Cookie %q, want the browser's (Kratos ties flows to its CSRF cookie)", (*cookies)[0])
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<title>Sign in · Example Staff Login</title>`,
		`<form class="group group-password" action="https://id.dev.example.com/self-service/login?flow=5a6b3c1e-8b0c-4c8e-9a53-3b1c0f1d2e3f" method="POST" data-group="password">`,
		`<input type="hidden" name="csrf_token" value="csrf-token-value-from-kratos">`,
		`<label for="password-identifier">E-Mail</label>`,
		`<input type="text" id="password-identifier" name="identifier" value="" autocomplete="username webauthn" required>`,
		`<label for="password-password">Password</label>`,
		`<button type="submit" id="password-method" name="method" value="password">Sign in with password</button>`,
		`<button type="button" id="passkey-passkey_login_trigger" name="passkey_login_trigger" value="" data-trigger="oryPasskeyLogin">Sign in with passkey</button>`,
		`data-load-trigger="oryPasskeyLoginAutocompleteInit"`,
		`<script src="https://id.dev.example.com/.well-known/ory/webauthn.js" id="webauthn_script" async integrity="sha512-abc" crossorigin="anonymous" referrerpolicy="no-referrer"></script>`,
		// A group the page has never heard of, with its message.
		`<label for="brandnew-brandnew_code">Code from the new method</label>`,
		`aria-invalid="true"`,
		`data-message-id="4000001" role="alert"`, `The code is invalid.`,
		`<button type="submit" id="brandnew-method" name="method" value="brandnew">Continue with the new method</button>`,
		// The flow's own message, and the links keeping return_to.
		`data-message-id="4000006" role="alert">The provided credentials are invalid`,
		`<a href="/registration?return_to=https%3A%2F%2Fdashboard.dev.example.com%2Fpanels%2F1">Create an account</a>`,
		`<a href="/recovery?return_to=https%3A%2F%2Fdashboard.dev.example.com%2Fpanels%2F1">Forgot your password?</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", body)
	}
	if strings.Contains(body, "evil.example.net") {
		t.Error("the page loads a script from an origin other than Kratos'")
	}
	hdr := rec.Header()
	if got := hdr.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") ||
		!strings.Contains(got, "script-src 'self' https://id.dev.example.com;") || strings.Contains(got, "unsafe-inline") ||
		// form-action would also stop the redirects after Kratos' form
		// (return_to, Hydra): found by TestBrowserPasswordLoginThroughTheGateway.
		strings.Contains(got, "form-action") {
		t.Errorf("Content-Security-Policy = %q", got)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers %v", hdr)
	}
}

func TestSettingsPageShowsTOTPAndLookupSecrets(t *testing.T) {
	kratos, _ := recordedKratos(t, map[string][]byte{"/self-service/settings/flows": readFlow(t, "settings-flow.json")})
	h := newUI(t, ui.Config{KratosPublicURL: kratos.URL})
	rec := get(t, h, "/settings?flow=9c1d2e3f-0000-4c8e-9a53-3b1c0f1d2e3f", "ory_kratos_session=s")
	body := rec.Body.String()
	for _, want := range []string{
		`<img id="totp-totp_qr" src="data:image/png;base64,iVBORw0KGgo=" width="256" height="256" alt="Authenticator app QR code">`,
		`<div class="text" id="totp-totp_secret_key"><p>This is your authenticator app secret. Use it if you can not scan the QR code.</p>`,
		`<code>JBSWY3DPEHPK3PXP</code>`,
		`<li><code>abcd1234</code></li><li><code>efgh5678</code></li>`,
		`<button type="submit" id="lookup_secret-lookup_secret_confirm" name="lookup_secret_confirm" value="true">Confirm backup recovery codes</button>`,
		`<a id="profile-back" href="https://auth.dev.example.com/">Back to the app</a>`,
		`role="status">Your changes have been saved!`,
		`<h2 id="heading-totp">Authenticator app</h2>`, `<h2 id="heading-lookup_secret">Backup codes</h2>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", body)
	}
}

func TestPagesStartKratosFlowsWithTheirParameters(t *testing.T) {
	kratos, _ := recordedKratos(t, nil)
	h := newUI(t, ui.Config{KratosPublicURL: kratos.URL})
	for _, tc := range []struct{ target, want string }{
		{"/login?return_to=https%3A%2F%2Fdashboard.dev.example.com%2Fpanels%2F1&x=1",
			kratosBrowser + "/self-service/login/browser?return_to=https%3A%2F%2Fdashboard.dev.example.com%2Fpanels%2F1"},
		{"/login?login_challenge=abc", kratosBrowser + "/self-service/login/browser?login_challenge=abc"},
		{"/login?aal=aal2&return_to=https%3A%2F%2Fa.dev.example.com%2F", kratosBrowser + "/self-service/login/browser?aal=aal2&return_to=https%3A%2F%2Fa.dev.example.com%2F"},
		{"/registration", kratosBrowser + "/self-service/registration/browser"},
		// Settings without a session: sign in first, then come back.
		{"/settings", "/login?return_to=https%3A%2F%2Fexample.com%2Fsettings"},
		// An expired flow starts again.
		{"/recovery?flow=gone", kratosBrowser + "/self-service/recovery/browser"},
	} {
		rec := get(t, h, tc.target, "")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != tc.want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", tc.target, rec.Code, rec.Header().Get("Location"), tc.want)
		}
	}
}

// hydraAdmin is an in-process stand-in for Hydra's admin API, for the
// consent decisions a unit test can check without a browser (the real
// Hydra runs in test/e2e/browser).
func hydraAdmin(t *testing.T, clientID string) (*httptest.Server, chan map[string]any) {
	t.Helper()
	accepted := make(chan map[string]any, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/admin/oauth2/auth/requests/consent":
			_ = json.NewEncoder(w).Encode(map[string]any{
				"challenge": r.URL.Query().Get("consent_challenge"), "subject": "id-1",
				"requested_scope": []string{"openid", "email", "groups", "offline_access"}, "requested_access_token_audience": []string{"kubernetes"},
				"client": map[string]any{"client_id": clientID, "client_name": "Grafana"},
			})
		case r.Method == http.MethodPut && r.URL.Path == "/admin/oauth2/auth/requests/consent/accept":
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			accepted <- body
			_ = json.NewEncoder(w).Encode(map[string]any{"redirect_to": "https://oauth.dev.example.com/oauth2/auth?consent_verifier=v"})
		case r.URL.Path == "/admin/identities/id-1":
			_ = json.NewEncoder(w).Encode(map[string]any{
				"id": "id-1", "state": "active", "traits": map[string]any{"email": "ada@dev.example.com"},
				"verifiable_addresses": []any{map[string]any{"value": "ada@dev.example.com", "verified": true}},
				"metadata_public":      map[string]any{"groups": []any{"admins"}},
			})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, accepted
}

func TestConsentSkippedOnlyForFirstPartyClients(t *testing.T) {
	hydra, accepted := hydraAdmin(t, "kubectl")
	h := newUI(t, ui.Config{KratosPublicURL: hydra.URL, HydraAdminURL: hydra.URL, KratosAdminURL: hydra.URL,
		FirstPartyClients: []string{"kubectl"}, Claims: tokenhook.ClaimFields{Email: "traits.email", Groups: "metadata_public.groups"}})
	rec := get(t, h, "/consent?consent_challenge=c1", "")
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "consent_verifier") {
		t.Fatalf("first-party consent: %d %s, want 303 to Hydra", rec.Code, rec.Header().Get("Location"))
	}
	body := <-accepted
	b, _ := json.Marshal(body)
	want := `{"grant_access_token_audience":["kubernetes"],"grant_scope":["openid","email","groups","offline_access"],"remember":false,"session":{"id_token":{"email":"ada@dev.example.com","email_verified":true,"groups":["admins"]}}}`
	if string(b) != want {
		t.Errorf("accept body\n got %s\nwant %s", b, want)
	}

	// Another client: the person is asked.
	other := newUI(t, ui.Config{KratosPublicURL: hydra.URL, HydraAdminURL: hydra.URL, FirstPartyClients: []string{"grafana"}})
	rec = get(t, other, "/consent?consent_challenge=c2", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<strong>Grafana</strong> asks for access to your account`) {
		t.Fatalf("third-party consent: %d\n%s", rec.Code, rec.Body)
	}
	select {
	case <-accepted:
		t.Fatal("consent of a client the profile does not mark was accepted without asking")
	default:
	}
}

func TestUIFormsRefuseAPostWithoutTheirToken(t *testing.T) {
	hydra, accepted := hydraAdmin(t, "grafana")
	h := newUI(t, ui.Config{KratosPublicURL: hydra.URL, HydraAdminURL: hydra.URL, CSRFCookieName: "__Host-dev_csrf"})
	// The page sets the cookie and embeds the token.
	rec := get(t, h, "/consent?consent_challenge=c3", "")
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "__Host-dev_csrf" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.Path != "/" {
		t.Fatalf("csrf cookie %+v: want Secure, HttpOnly, Path=/", cookie)
	}
	page := rec.Body.String()
	i := strings.Index(page, `name="csrf_token" value="`)
	token := page[i+len(`name="csrf_token" value="`):]
	token = token[:strings.Index(token, `"`)]

	post := func(token string) int {
		form := url.Values{"csrf_token": {token}, "consent_challenge": {"c3"}, "action": {"accept"}, "grant_scope": {"openid", "admin"}}
		req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post("forged"); code != http.StatusForbidden {
		t.Fatalf("a forged token got HTTP %d, want 403", code)
	}
	select {
	case <-accepted:
		t.Fatal("a forged post was accepted")
	default:
	}
	if code := post(token); code != http.StatusSeeOther {
		t.Fatalf("the page's own token got HTTP %d, want 303", code)
	}
	body := <-accepted
	// Only scopes the client asked for are granted ("admin" was not).
	if got, _ := json.Marshal(body["grant_scope"]); string(got) != `["openid"]` {
		t.Errorf("granted %s, want [openid]", got)
	}
}
