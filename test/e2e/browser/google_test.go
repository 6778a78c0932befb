package browser_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// googleHost is the one Google host Kratos v1.3.1's google provider
// reaches in a browser sign-in: it discovers https://accounts.google.com
// (provider_google.go sets the issuer), then exchanges the code at the
// token endpoint and reads the keys at the jwks_uri the discovery names.
// (Its fixed www.googleapis.com JWKS URL serves only the native id_token
// flow, which the browser flow never uses; the proxy refuses it.)
const googleHost = "accounts.google.com"

// googleAccount is who the stand-in's login page signs in as next: the
// claims Google puts in an ID token (hd only for Workspace accounts).
type googleAccount struct {
	Subject, Email, Name, HostedDomain string
}

// googleStandIn is a real OIDC server standing in for Google: a second
// Hydra (plain HTTP on loopback, --dev) whose issuer is
// https://accounts.google.com, its own loopback login and consent app
// (Google's pages are not what the tests prove, so the app signs in as
// the account the test sets), and the two ways to reach it under Google's
// name without any traffic leaving the machine:
//
//   - for Kratos, ProxyURL, a CONNECT proxy on loopback (Kratos' HTTP
//     client honours HTTPS_PROXY: ory/x httpx uses
//     http.ProxyFromEnvironment) that terminates accounts.google.com:443
//     with a certificate from a per-test CA (CAFile, Kratos' SSL_CERT_FILE)
//     and refuses every other host;
//   - for the browser, the edge, given the route accounts.google.com ->
//     Hydra (Route).
type googleStandIn struct {
	Hydra    *stack.Hydra
	ProxyURL string
	CAFile   string
	// Route is the edge route for the browser.
	Route map[string]string

	mu      sync.Mutex
	account googleAccount
	refused []string
}

func startGoogle(t *testing.T) *googleStandIn {
	t.Helper()
	g := &googleStandIn{}
	app := httptest.NewServer(http.HandlerFunc(g.loginConsent))
	t.Cleanup(app.Close)
	cfg := map[string]any{
		"urls": map[string]any{
			"login":   app.URL + "/login",
			"consent": app.URL + "/consent",
		},
		"secrets": map[string]any{"system": []any{"google-stand-in-system-secret"}},
		// --dev drops the cookies' Secure flag, and Chromium refuses
		// SameSite=None without it: Lax keeps Hydra's CSRF cookie on the
		// top-level redirects back from the login and consent app.
		"serve": map[string]any{"cookies": map[string]any{"same_site_mode": "Lax"}},
		"oidc":  map[string]any{"subject_identifiers": map[string]any{"supported_types": []any{"public"}}},
	}
	// The harness sets the issuer to the loopback URL; the environment
	// wins over the file in Ory's config, so Hydra names itself Google.
	g.Hydra = stack.StartHydra(t, stack.HydraOptions{Config: cfg, PlainHTTP: true, Dev: true, ReadyTimeout: 3 * time.Minute,
		Env: []string{"URLS_SELF_ISSUER=https://" + googleHost, "URLS_SELF_PUBLIC=https://" + googleHost + "/"}})
	if g.Hydra.IssuerURL != "https://"+googleHost {
		t.Fatalf("the stand-in's issuer is %q, want Google's, https://%s", g.Hydra.IssuerURL, googleHost)
	}
	g.Route = map[string]string{googleHost: g.Hydra.PublicURL}

	ca := stack.NewCA(t, "authctl e2e Google stand-in CA")
	g.CAFile = e2e.WriteFile(t, t.TempDir(), "google-ca.crt", ca.CertPEM)
	leaf := ca.ServingCert(t, googleHost)
	backend, _ := url.Parse(strings.TrimSuffix(g.Hydra.PublicURL, "/"))
	front := httptest.NewUnstartedServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(backend)
		pr.Out.Host = pr.In.Host
		pr.Out.Header.Set("X-Forwarded-Proto", "https")
	}})
	front.TLS = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{leaf.TLS}}
	front.StartTLS()
	t.Cleanup(front.Close)
	frontAddr := strings.TrimPrefix(front.URL, "https://")

	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Host != googleHost+":443" {
			g.mu.Lock()
			g.refused = append(g.refused, r.Method+" "+r.Host)
			g.mu.Unlock()
			http.Error(w, "the Google stand-in's proxy reaches only "+googleHost, http.StatusForbidden)
			return
		}
		up, err := net.DialTimeout("tcp", frontAddr, 5*time.Second)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		if n := buf.Reader.Buffered(); n > 0 {
			b, _ := buf.Reader.Peek(n)
			_, _ = up.Write(b)
		}
		go func() { _, _ = io.Copy(up, conn); up.Close() }()
		go func() { _, _ = io.Copy(conn, up); conn.Close() }()
	}))
	t.Cleanup(proxy.Close)
	g.ProxyURL = proxy.URL
	t.Cleanup(func() {
		if r := g.Refused(); len(r) > 0 {
			t.Logf("the Google stand-in's proxy refused (never left loopback): %v", r)
		}
	})
	return g
}

// Use makes Kratos (started after this, it inherits the environment)
// reach Google through the stand-in's proxy and trust its CA.
func (g *googleStandIn) Use(t *testing.T) {
	t.Setenv("HTTPS_PROXY", g.ProxyURL)
	t.Setenv("https_proxy", g.ProxyURL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	t.Setenv("SSL_CERT_FILE", g.CAFile)
}

// SignInAs sets the account the stand-in's login page signs in as.
func (g *googleStandIn) SignInAs(a googleAccount) {
	g.mu.Lock()
	g.account = a
	g.mu.Unlock()
}

// Refused lists what the proxy refused.
func (g *googleStandIn) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.refused...)
}

// RegisterClient registers the profile's Google OAuth client (its id, the
// secret the harness puts in the client Secret, Kratos' callback).
func (g *googleStandIn) RegisterClient(t *testing.T, clientID, secret, redirectURI string) {
	t.Helper()
	g.Hydra.CreateClient(t, map[string]any{
		"client_id": clientID, "client_secret": secret,
		"redirect_uris":  []string{redirectURI},
		"grant_types":    []string{"authorization_code", "refresh_token"},
		"response_types": []string{"code"},
		"scope":          "openid email profile",
	})
}

// loginConsent is the stand-in's login and consent app: it accepts both
// at once for the current account, with Google's ID token claims.
func (g *googleStandIn) loginConsent(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	a := g.account
	g.mu.Unlock()
	admin := g.Hydra.AdminURL + "admin/oauth2/auth/requests/"
	var kind, challenge string
	var body map[string]any
	switch r.URL.Path {
	case "/login":
		kind, challenge = "login", r.URL.Query().Get("login_challenge")
		body = map[string]any{"subject": a.Subject}
	case "/consent":
		kind, challenge = "consent", r.URL.Query().Get("consent_challenge")
		var req struct {
			RequestedScope    []string `json:"requested_scope"`
			RequestedAudience []string `json:"requested_access_token_audience"`
		}
		if err := getJSON(g.Hydra.HTTPClient, admin+"consent?consent_challenge="+url.QueryEscape(challenge), &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		idToken := map[string]any{"email": a.Email, "email_verified": true, "name": a.Name}
		if a.HostedDomain != "" {
			idToken["hd"] = a.HostedDomain
		}
		body = map[string]any{"grant_scope": req.RequestedScope, "grant_access_token_audience": req.RequestedAudience,
			"session": map[string]any{"id_token": idToken}}
	default:
		http.NotFound(w, r)
		return
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := putJSON(g.Hydra.HTTPClient, admin+kind+"/accept?"+kind+"_challenge="+url.QueryEscape(challenge), body, &out); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, out.RedirectTo, http.StatusFound)
}

func getJSON(c *http.Client, u string, out any) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeOK(resp, out)
}

func putJSON(c *http.Client, u string, body, out any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeOK(resp, out)
}

func decodeOK(resp *http.Response, out any) error {
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}
