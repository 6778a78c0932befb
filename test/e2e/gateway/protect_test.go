package gateway_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/serve/authz"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// protectStack is real Kratos and real Oathkeeper started from a rendered
// example, plus a tiny upstream and authctl's own group-check endpoint.
type protectStack struct {
	r          e2e.Rendered
	kratos     *stack.Kratos
	oathkeeper *stack.Oathkeeper
	upstream   *httptest.Server
	// seen is the last request the upstream received.
	seen chan *http.Request
}

// Loopback rewrites on top of kratosRewrites and oathkeeperRewrites.
var protectRewrites = []string{
	"kratos session.cookie.domain, cookies.domain: unset (a loopback host cannot hold a cookie for the real domain)",
	"oathkeeper *.check_session_url: the harness Kratos public URL + sessions/whoami",
	"oathkeeper remote_json remote: an in-process authctl authz handler (pkg/serve/authz, the code `authctl serve authz` runs)",
	"oathkeeper rule upstream URLs: the in-process test upstream",
	"oathkeeper env AUTHCTL_GATEWAY_SECRET: the rendered Secret's headerSecret (the Deployment's secretKeyRef)",
	"oathkeeper jwt jwks_urls, trusted_issuers and the rules' trusted_issuers (when a harness Hydra runs): that Hydra's JWKS and issuer",
}

func startProtectStack(t *testing.T, r e2e.Rendered) *protectStack {
	t.Helper()
	ps := &protectStack{r: r, seen: make(chan *http.Request, 16)}
	ps.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case ps.seen <- req.Clone(req.Context()):
		default:
		}
		fmt.Fprintf(w, "upstream saw %s", req.URL.Path)
	}))
	t.Cleanup(ps.upstream.Close)
	authzSrv := httptest.NewServer(authz.Handler(slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(authzSrv.Close)

	ps.kratos = e2e.StartKratos(t, r, func(cfg map[string]any) {
		delete(e2e.Get(cfg, "session.cookie").(map[string]any), "domain")
		delete(cfg["cookies"].(map[string]any), "domain")
	})

	ps.oathkeeper = startOathkeeperFor(t, r, ps.kratos, authzSrv.URL+"/authorize", ps.upstream.URL)
	return ps
}

// startOathkeeperFor starts the real Oathkeeper with a render's config and
// rules, wired to a harness Kratos, an authz URL and one test upstream for
// every service.
func startOathkeeperFor(t *testing.T, r e2e.Rendered, kratos *stack.Kratos, authzURL, upstreamURL string) *stack.Oathkeeper {
	t.Helper()
	return startOathkeeperWith(t, r, kratos, nil, authzURL, upstreamURL)
}

// startOathkeeperWith is startOathkeeperFor with a harness Hydra (plain
// HTTP) for the jwt authenticator: its JWKS and its issuer, which the
// rules trust instead of the rendered one.
func startOathkeeperWith(t *testing.T, r e2e.Rendered, kratos *stack.Kratos, hydra *stack.Hydra, authzURL, upstreamURL string) *stack.Oathkeeper {
	t.Helper()
	cfg, rules := e2e.OathkeeperConfig(t, r)
	w := r.Profile.Wiring()
	whoami := kratos.PublicURL + "sessions/whoami"
	for _, h := range []string{"cookie_session", "bearer_token"} {
		if c, ok := e2e.Get(cfg, "authenticators."+h+".config").(map[string]any); ok {
			c["check_session_url"] = whoami
		}
	}
	if c, ok := e2e.Get(cfg, "authorizers.remote_json.config").(map[string]any); ok {
		c["remote"] = authzURL
	}
	rulesText := strings.ReplaceAll(string(rules), w.AuthzURL, authzURL)
	if hydra != nil {
		if c, ok := e2e.Get(cfg, "authenticators.jwt.config").(map[string]any); ok {
			c["jwks_urls"] = []string{hydra.PublicURL + ".well-known/jwks.json"}
			c["trusted_issuers"] = []string{hydra.IssuerURL}
		}
		rulesText = strings.ReplaceAll(rulesText, `"`+w.IssuerURL+`"`, `"`+hydra.IssuerURL+`"`)
	}
	for _, s := range r.Profile.Spec.Services {
		rulesText = strings.ReplaceAll(rulesText, `"url": "`+render.UpstreamURL(w, s)+`"`, `"url": "`+upstreamURL+`"`)
	}
	o, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: [][]byte{[]byte(rulesText)},
		Env: []string{render.GatewaySecretEnv + "=" + r.Secrets.Oathkeeper.HeaderSecret}})
	if err != nil {
		t.Fatalf("real Oathkeeper rejected the rendered config of %s:\n%v", r.Name, err)
	}
	e2e.LogRewrites(t, "oathkeeper", append(append([]string{}, e2e.OathkeeperRewrites...), protectRewrites...), o.Rewrites())
	return o
}

// createIdentity creates an identity with a password, groups and a verified
// email through the Kratos admin API, as bootstrap creates the people an
// admin vouches for (the gateway forwards only a verified address).
func (ps *protectStack) createIdentity(t *testing.T, email, password string, groups []string) string {
	t.Helper()
	return ps.createIdentityAs(t, map[string]any{
		"schema_id":            "default",
		"traits":               map[string]any{"email": email, "name": "Test " + email},
		"metadata_public":      map[string]any{"groups": groups},
		"credentials":          map[string]any{"password": map[string]any{"config": map[string]any{"password": password}}},
		"verifiable_addresses": []map[string]any{{"value": email, "verified": true, "via": "email", "status": "completed"}},
	})
}

// createIdentityAs creates the identity body as given.
func (ps *protectStack) createIdentityAs(t *testing.T, body map[string]any) string {
	t.Helper()
	var out struct{ ID string }
	e2e.DoJSON(t, http.DefaultClient, "POST", ps.kratos.AdminURL+"admin/identities", body, http.StatusCreated, &out)
	return out.ID
}

// browserLogin runs Kratos' browser login flow (as the self-service UI
// would) and returns the session cookie.
func (ps *protectStack) browserLogin(t *testing.T, email, password string) *http.Cookie {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	var flow struct {
		UI struct {
			Action string
			Nodes  []struct {
				Attributes struct {
					Name  string
					Value any
				}
			}
		}
	}
	e2e.DoJSON(t, c, "GET", ps.kratos.PublicURL+"self-service/login/browser", nil, http.StatusOK, &flow)
	csrf := ""
	for _, n := range flow.UI.Nodes {
		if n.Attributes.Name == "csrf_token" {
			csrf, _ = n.Attributes.Value.(string)
		}
	}
	e2e.DoJSON(t, c, "POST", flow.UI.Action, map[string]any{"method": "password", "identifier": email, "password": password, "csrf_token": csrf}, http.StatusOK, nil)
	u, _ := url.Parse(ps.kratos.PublicURL)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "ory_kratos_session" {
			return ck
		}
	}
	t.Fatal("no ory_kratos_session cookie after login")
	return nil
}

// apiLogin runs Kratos' API login flow and returns a session token.
func (ps *protectStack) apiLogin(t *testing.T, email, password string) string {
	t.Helper()
	var flow struct{ UI struct{ Action string } }
	e2e.DoJSON(t, http.DefaultClient, "GET", ps.kratos.PublicURL+"self-service/login/api", nil, http.StatusOK, &flow)
	var out struct {
		SessionToken string `json:"session_token"`
	}
	e2e.DoJSON(t, http.DefaultClient, "POST", flow.UI.Action, map[string]any{"method": "password", "identifier": email, "password": password}, http.StatusOK, &out)
	return out.SessionToken
}

// decide calls Oathkeeper's decision API the way the rendered Envoy's
// ext_authz does: the original method, :authority and path below
// /decisions, and the scheme from configuration (headers_to_add). No
// X-Forwarded-Host, -Uri or -Method: the gateways never send them.
func (ps *protectStack) decide(t *testing.T, method, rawURL string, hdr http.Header) *http.Response {
	t.Helper()
	u, _ := url.Parse(rawURL)
	req, _ := http.NewRequest(method, ps.oathkeeper.APIURL+"decisions"+u.RequestURI(), nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Host = u.Host
	req.Header.Set("X-Forwarded-Proto", u.Scheme)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// TestProtectAnyUpstream is the seed blog's scenario on loopback, with the
// rendered Kratos and Oathkeeper configs and rules of examples/ingress.yaml.
func TestProtectAnyUpstream(t *testing.T) {
	stack.Require(t)
	r := e2e.RenderedExample(t, "ingress")
	ps := startProtectStack(t, r)
	w := r.Profile.Wiring()
	staffID := ps.createIdentity(t, "staff@blog.example.com", "a-long-test-password-1", []string{"staff"})
	ps.createIdentity(t, "guest@blog.example.com", "a-long-test-password-2", []string{"guests"})
	dashboard := "https://dashboard.blog.example.com/panels/1"

	t.Run("no session, browser: redirect to login", func(t *testing.T) {
		resp := ps.decide(t, "GET", dashboard, header("Accept", "text/html"))
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), w.LoginURL) {
			t.Fatalf("got %d Location=%q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), w.LoginURL)
		}
	})
	t.Run("no session, API: 401", func(t *testing.T) {
		if resp := ps.decide(t, "GET", dashboard, header("Accept", "application/json")); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("got %d, want 401", resp.StatusCode)
		}
	})

	staff := ps.browserLogin(t, "staff@blog.example.com", "a-long-test-password-1")
	cookie := staff.Name + "=" + staff.Value
	t.Run("session in the required group: 200 with user headers", func(t *testing.T) {
		resp := ps.decide(t, "GET", dashboard, header("Cookie", cookie, "Accept", "text/html"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		want := map[string]string{
			"X-User-Id":     staffID,
			"X-User-Email":  "staff@blog.example.com",
			"X-User-Groups": "staff",
			// The dashboard's own secret, not the master and not another
			// upstream's.
			render.GatewaySecretHeader: render.UpstreamSecret(r.Secrets.Oathkeeper.HeaderSecret, "dashboard"),
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	})
	t.Run("session outside the required group: 403", func(t *testing.T) {
		guest := ps.browserLogin(t, "guest@blog.example.com", "a-long-test-password-2")
		resp := ps.decide(t, "GET", dashboard, header("Cookie", guest.Name+"="+guest.Value, "Accept", "application/json"))
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("got %d, want 403", resp.StatusCode)
		}
	})
	t.Run("reissue: a JWT that verifies against Oathkeeper's JWKS", func(t *testing.T) {
		resp := ps.decide(t, "GET", "https://reports.blog.example.com/q3", header("Cookie", cookie))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		token, ok := strings.CutPrefix(resp.Header.Get("Authorization"), "Bearer ")
		if !ok {
			t.Fatalf("no bearer token in %v", resp.Header)
		}
		claims := verifyJWT(t, token, ps.oathkeeper.APIURL+".well-known/jwks.json")
		if claims["iss"] != render.IDTokenIssuer(w) {
			t.Errorf("iss = %v, want %s", claims["iss"], render.IDTokenIssuer(w))
		}
		if aud, _ := claims["aud"].([]any); len(aud) != 1 || aud[0] != "reports" {
			t.Errorf("aud = %v, want [reports]", claims["aud"])
		}
		if claims["sub"] != staffID || claims["email"] != "staff@blog.example.com" {
			t.Errorf("sub/email = %v/%v", claims["sub"], claims["email"])
		}
		exp, iat := claims["exp"].(float64), claims["iat"].(float64)
		if life := time.Duration(exp-iat) * time.Second; life <= 0 || life > 2*time.Minute {
			t.Errorf("token lifetime %v, want at most the profile's 2m", life)
		}
	})
	t.Run("API with a Kratos session token", func(t *testing.T) {
		token := ps.apiLogin(t, "staff@blog.example.com", "a-long-test-password-1")
		if resp := ps.decide(t, "POST", "https://api.blog.example.com/v1/items", header("Authorization", "Bearer "+token)); resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		if resp := ps.decide(t, "POST", "https://api.blog.example.com/v1/items", header("Authorization", "Bearer not-a-session")); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad token: got %d, want 401", resp.StatusCode)
		}
	})
	t.Run("undeclared host: default deny", func(t *testing.T) {
		resp := ps.decide(t, "GET", "https://admin.blog.example.com/", header("Cookie", cookie, "Accept", "application/json"))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("got %d, want 401 from the default-deny rule", resp.StatusCode)
		}
	})
	t.Run("proxy mode (the ingress target): the upstream sees the user", func(t *testing.T) {
		req, _ := http.NewRequest("GET", ps.oathkeeper.ProxyURL+"panels/1", nil)
		req.Host = "dashboard.blog.example.com"
		req.Header.Set("Cookie", cookie)
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		select {
		case seen := <-ps.seen:
			if seen.Header.Get("X-User-Id") != staffID || seen.URL.Path != "/panels/1" {
				t.Errorf("upstream saw path %s X-User-Id %q", seen.URL.Path, seen.Header.Get("X-User-Id"))
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the upstream saw no request")
		}
	})
}

// verifyJWT checks an RS256 JWT against a JWKS URL and returns its claims.
func verifyJWT(t *testing.T, token, jwksURL string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	var hdr struct{ Alg, Kid string }
	decodeSegment(t, parts[0], &hdr)
	if hdr.Alg != "RS256" {
		t.Fatalf("alg %s, want RS256", hdr.Alg)
	}
	var set struct {
		Keys []struct{ Kid, N, E string }
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", jwksURL, nil, http.StatusOK, &set)
	var pub *rsa.PublicKey
	for _, k := range set.Keys {
		if k.Kid == hdr.Kid {
			n, _ := base64.RawURLEncoding.DecodeString(k.N)
			e, _ := base64.RawURLEncoding.DecodeString(k.E)
			pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		}
	}
	if pub == nil {
		t.Fatalf("kid %q not in %s", hdr.Kid, jwksURL)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	var claims map[string]any
	decodeSegment(t, parts[1], &claims)
	return claims
}

func decodeSegment(t *testing.T, seg string, out any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}
