package browser_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// oauthApp is an OAuth2 client's redirect URI on loopback: it records the
// code Hydra sends the browser back with.
type oauthApp struct {
	URL   string
	codes chan url.Values
}

func startOAuthApp(t *testing.T) *oauthApp {
	t.Helper()
	a := &oauthApp{codes: make(chan url.Values, 4)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r) // the browser's favicon
			return
		}
		a.codes <- r.URL.Query()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Grafana</title><h1>Back at the app</h1>")
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL + "/callback"
	return a
}

// exchange redeems a code at Hydra's token endpoint and returns the
// id_token's claims (its signature is Hydra's concern here: the token came
// straight from Hydra over TLS).
func exchange(t *testing.T, s *site, clientID, secret, redirect, code string) map[string]any {
	t.Helper()
	resp, err := s.hydra.HTTPClient.PostForm(s.hydra.PublicURL+"oauth2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {clientID}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token exchange: HTTP %d: %s", resp.StatusCode, body)
	}
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.IDToken == "" {
		t.Fatalf("token response %s: %v", body, err)
	}
	parts := strings.Split(tok.IDToken, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestBrowserOAuth2ConsentAndLogout: an app (a confidential OAuth2 client
// the profile does not mark first-party) sends a person to Hydra; Kratos
// handles Hydra's login challenge on the built-in login page, which names
// the app; the consent page lists the scopes; the app's id_token carries
// the email and groups consent put there. A first-party client is not
// asked. Signing out through Hydra (RP-initiated logout, confirmed on the
// UI's logout page) ends both Hydra's and Kratos' sessions: the next
// authorization asks for the password again.
func TestBrowserOAuth2ConsentAndLogout(t *testing.T) {
	stack.Require(t)
	p := loadExample(t, "ingress")
	p.Spec.UI.FirstPartyClients = []string{"wiki"}
	p.Resolve()
	r := e2e.RenderProfile(t, "ingress+first-party", p)
	s := startSite(t, r, siteOptions{Hydra: true})
	const email, password = "lin@blog.example.com", "Lin-correct-horse-7Q!x"
	id := s.createIdentity(t, email, password, "staff", "writers")
	b := s.b
	app := startOAuthApp(t)
	for _, c := range []struct{ id, name string }{{"grafana", "Grafana"}, {"wiki", "Team wiki"}} {
		s.hydra.CreateClient(t, map[string]any{
			"client_id": c.id, "client_name": c.name, "client_secret": c.id + "-secret-0123456789abcdef",
			"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
			"scope": "openid email groups offline_access", "redirect_uris": []string{app.URL},
			"token_endpoint_auth_method": "client_secret_post",
		})
	}
	authorize := func(client string) string {
		return s.hydra.PublicURL + "oauth2/auth?" + url.Values{
			"client_id": {client}, "response_type": {"code"}, "scope": {"openid email groups"},
			"redirect_uri": {app.URL}, "state": {"state-0123456789"},
		}.Encode()
	}

	b.Navigate(authorize("grafana"))
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.WaitText("to continue to Grafana")
	s.recordFlow(t, "login", "login-oauth2")
	b.Shot("login-for-app")
	b.Fill("#password-identifier", email)
	b.Fill("#password-password", password)
	b.Click("#password-method")
	b.WaitURL(`^https://auth\.blog\.example\.com/consent\?consent_challenge=`)
	b.WaitText("Grafana asks for access to your account")
	b.Shot("consent")
	for _, scope := range []string{"openid", "email", "groups"} {
		if !strings.Contains(b.Text(), scope) {
			t.Errorf("the consent page does not list %s", scope)
		}
	}
	b.Click("#consent-accept")
	b.WaitURL(`^` + app.URL)
	q := <-app.codes
	if q.Get("state") != "state-0123456789" || q.Get("code") == "" {
		t.Fatalf("the app got %v", q)
	}
	claims := exchange(t, s, "grafana", "grafana-secret-0123456789abcdef", app.URL, q.Get("code"))
	if claims["sub"] != id || claims["email"] != email || claims["email_verified"] != true {
		t.Errorf("id_token claims %v, want sub %s and the verified email", claims, id)
	}
	groups, _ := claims["groups"].([]any)
	if !slices.Equal(groups, []any{"staff", "writers"}) {
		t.Errorf("id_token groups %v, want [staff writers]", claims["groups"])
	}

	// A first-party client: Hydra's session signs the person in and the
	// UI gives consent without a page.
	b.Navigate(authorize("wiki"))
	b.WaitURL(`^` + app.URL)
	if q := <-app.codes; q.Get("code") == "" {
		t.Fatalf("the first-party client got %v", q)
	}

	// Sign out through Hydra: the UI's logout page confirms.
	b.Navigate(s.hydra.PublicURL + "oauth2/sessions/logout")
	b.WaitURL(`^https://auth\.blog\.example\.com/logout\?logout_challenge=`)
	b.Shot("logout-app")
	b.Click("#logout-confirm")
	b.WaitURL(`^https://auth\.blog\.example\.com/login`)
	var sessions []struct {
		Active bool `json:"active"`
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", s.kratos.AdminURL+"admin/identities/"+id+"/sessions?active=true", nil, http.StatusOK, &sessions)
	if len(sessions) != 0 {
		t.Errorf("Kratos still has %d active sessions after signing out through Hydra", len(sessions))
	}
	// Hydra's session is gone too: the app's next authorization asks for
	// the password again.
	b.Navigate(authorize("grafana"))
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.WaitText("to continue to Grafana")
	if !strings.Contains(b.Text(), "Password") {
		t.Fatalf("after sign-out the app's authorization shows %q", b.Text())
	}
	keepShots(t, b, map[string]string{"login-for-app": "login-for-app", "consent": "consent", "logout-app": "logout-app"})
}
