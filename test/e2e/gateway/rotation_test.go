package gateway_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/secrets"
	"github.com/authctl/authctl/pkg/serve/authz"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestSecretsRotationKeepsSessionsAndTokens (issue 21 item 1): the stack
// runs on the real Kratos, Hydra (SQLite, kept across restarts) and
// Oathkeeper with the secrets as the rendered Secrets hand them to the
// pods (env from secretKeyRef: Ory's lists comma-joined; the JWKS file).
// A Kratos session cookie, a Hydra access token, refresh token and
// id_token, and an Oathkeeper-reissued JWT are made; `secrets rotate`
// (the operation behind the command), a re-render and a restart of every
// server later they are all still accepted, and new ones are made with
// the new values; after `secrets prune` and another restart the session,
// the tokens signed with the old system secret and the old reissued JWT
// are refused.
func TestSecretsRotationKeepsSessionsAndTokens(t *testing.T) {
	stack.Require(t)
	p, err := profile.Load(e2e.InRepo("examples/ingress.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sfPath := filepath.Join(t.TempDir(), "secrets.yaml")
	if _, err := (secrets.Generator{}).FillFile(sfPath); err != nil {
		t.Fatal(err)
	}
	renderNow := func() e2e.Rendered {
		sf, err := secrets.Load(sfPath)
		if err != nil {
			t.Fatal(err)
		}
		return e2e.RenderProfileWith(t, "ingress", p, sf)
	}
	name := p.Metadata.Name

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	t.Cleanup(upstream.Close)
	authzSrv := httptest.NewServer(authz.Handler(slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(authzSrv.Close)

	ps := &protectStack{seen: make(chan *http.Request, 16)}
	var hydra *stack.Hydra
	start := func(r e2e.Rendered) {
		t.Helper()
		ps.r = r
		kcfg := e2e.KratosConfig(t, r)
		delete(kcfg, "secrets") // from the Secret, as in the pod
		delete(e2e.Get(kcfg, "session.cookie").(map[string]any), "domain")
		delete(kcfg["cookies"].(map[string]any), "domain")
		ko := stack.KratosOptions{Config: kcfg, Env: r.SecretEnv(t, name+"-kratos")}
		if ps.kratos != nil {
			ps.kratos.Stop()
			ko.DataDir, ko.PublicPort, ko.AdminPort = ps.kratos.DataDir, ps.kratos.PublicPort, ps.kratos.AdminPort
		}
		k, err := stack.TryStartKratos(t, ko)
		if err != nil {
			t.Fatalf("kratos: %v", err)
		}
		ps.kratos = k

		hcfg := e2e.HydraConfig(t, r)
		delete(hcfg, "secrets")
		delete(e2e.Get(hcfg, "oauth2").(map[string]any), "token_hook")
		var env []string
		for _, e := range r.SecretEnv(t, name+"-hydra") {
			if strings.HasPrefix(e, "SECRETS_") {
				env = append(env, e)
			}
		}
		ho := stack.HydraOptions{Config: hcfg, Env: env, SQLite: true, PlainHTTP: true, Dev: true, ReadyTimeout: 3 * time.Minute}
		if hydra != nil {
			hydra.Stop()
			ho.DataDir, ho.PublicPort, ho.AdminPort = hydra.DataDir, hydra.PublicPort, hydra.AdminPort
		}
		if hydra, err = stack.TryStartHydra(t, ho); err != nil {
			t.Fatalf("hydra: %v", err)
		}

		if ps.oathkeeper != nil {
			ps.oathkeeper.Stop()
		}
		ps.oathkeeper = startOathkeeperFor(t, r, ps.kratos, authzSrv.URL+"/authorize", upstream.URL)
	}
	start(renderNow())
	if env := ps.r.SecretEnv(t, name+"-kratos"); len(env) < 3 {
		t.Fatalf("the Kratos Deployment takes %d secrets from its Secret, want default, cookie and cipher", len(env))
	}

	const email, password = "rotate@blog.example.com", "Rotate-correct-horse-1!"
	ps.createIdentity(t, email, password, []string{"staff"})
	cookie := ps.browserLogin(t, email, password)
	oldJWT := reissued(t, ps, cookie)
	hydra.CreateClient(t, map[string]any{
		"client_id": "rotate", "client_secret": "rotate-secret-0123456789abcdef",
		"grant_types": []string{"authorization_code", "refresh_token", "client_credentials"}, "response_types": []string{"code"},
		"scope": "openid offline_access", "redirect_uris": []string{"http://127.0.0.1:1/cb"}, "token_endpoint_auth_method": "client_secret_post",
	})
	oldAccess := hydra.ClientCredentialsToken(t, "rotate", "rotate-secret-0123456789abcdef")
	oldLogin := codeLogin(t, hydra, "rotate", "rotate-secret-0123456789abcdef")

	check := func(stage string, wantOld bool) {
		t.Helper()
		if got := whoamiStatus(t, ps, cookie); (got == http.StatusOK) != wantOld {
			t.Errorf("%s: the session made before the rotation got %d from Kratos", stage, got)
		}
		if err := verifyWith(ps.oathkeeper.APIURL+".well-known/jwks.json", oldJWT); (err == nil) != wantOld {
			t.Errorf("%s: the JWT Oathkeeper reissued before the rotation verifies against its keys: %v", stage, err)
		}
		// Hydra's system secret is never pruned (see the end), so its
		// tokens stay valid: they expire with their lifespans.
		if !introspect(t, hydra, oldAccess) {
			t.Errorf("%s: Hydra's access token from before the rotation is no longer active", stage)
		}
		if err := verifyWith(hydra.PublicURL+".well-known/jwks.json", oldLogin.IDToken); err != nil {
			t.Errorf("%s: the id_token from before the rotation no longer verifies against Hydra's keys: %v", stage, err)
		}
	}
	check("before the rotation", true)

	// Rotate every secret the file holds, render, restart every server.
	done, err := (secrets.Generator{}).RotateFile(sfPath, nil, time.Now())
	if err != nil || len(done) != len(secrets.Rotatables) {
		t.Fatalf("rotated %d: %v", len(done), err)
	}
	start(renderNow())
	check("after the rotation", true)
	refreshed, err := refresh(hydra, "rotate", "rotate-secret-0123456789abcdef", oldLogin.RefreshToken)
	if err != nil {
		t.Fatalf("after the rotation, the refresh token from before it was refused: %v", err)
	}
	newJWT := reissued(t, ps, cookie)
	if kid(t, newJWT) == kid(t, oldJWT) {
		t.Fatal("Oathkeeper still signs with the old key after the rotation")
	}
	newCookie := ps.browserLogin(t, email, password)

	// Prune, render, restart: what only the old values vouched for goes.
	wait := func(string) time.Duration { return time.Nanosecond }
	res, err := secrets.PruneFile(sfPath, nil, wait, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Name == "hydra-system" && !r.Kept {
			t.Fatal("prune dropped Hydra's old system secret")
		}
	}
	start(renderNow())
	check("after the prune", false)
	if _, err := refresh(hydra, "rotate", "rotate-secret-0123456789abcdef", refreshed.RefreshToken); err != nil {
		t.Errorf("after the prune, the refresh token issued after the rotation was refused: %v", err)
	}
	if got := whoamiStatus(t, ps, newCookie); got != http.StatusOK {
		t.Errorf("after the prune, the session made after the rotation got %d", got)
	}
	if err := verifyWith(ps.oathkeeper.APIURL+".well-known/jwks.json", newJWT); err != nil {
		t.Errorf("after the prune, the JWT reissued after the rotation does not verify: %v", err)
	}

	// Why prune keeps Hydra's old system secret: without it, the real Hydra
	// cannot read the signing keys it made with it, and stops.
	sf, err := secrets.Load(sfPath)
	if err != nil {
		t.Fatal(err)
	}
	sf.Hydra.System = sf.Hydra.System[:1]
	hcfg := e2e.HydraConfig(t, e2e.RenderProfileWith(t, "ingress", p, sf))
	delete(e2e.Get(hcfg, "oauth2").(map[string]any), "token_hook")
	hydra.Stop()
	_, err = stack.TryStartHydra(t, stack.HydraOptions{Config: hcfg, SQLite: true, PlainHTTP: true, Dev: true, ReadyTimeout: time.Minute,
		DataDir: hydra.DataDir, PublicPort: hydra.PublicPort, AdminPort: hydra.AdminPort})
	if err == nil || !strings.Contains(err.Error(), "Could not ensure that signing keys") {
		t.Fatalf("Hydra started without the system secret its keys were made with: %v", err)
	}
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// reissued is the JWT Oathkeeper hands the reports upstream for a session.
func reissued(t *testing.T, ps *protectStack, cookie *http.Cookie) string {
	t.Helper()
	resp := ps.decide(t, "GET", "https://reports.blog.example.com/", http.Header{"Cookie": {cookie.String()}})
	defer resp.Body.Close()
	jwt, ok := strings.CutPrefix(resp.Header.Get("Authorization"), "Bearer ")
	if resp.StatusCode != http.StatusOK || !ok {
		t.Fatalf("reports: %d, Authorization %q", resp.StatusCode, resp.Header.Get("Authorization"))
	}
	return jwt
}

func kid(t *testing.T, jwt string) string {
	t.Helper()
	h, _, _ := strings.Cut(jwt, ".")
	var hdr struct {
		Kid string `json:"kid"`
	}
	raw, _ := base64URL(h)
	if err := json.Unmarshal(raw, &hdr); err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	return hdr.Kid
}

func verifyWith(jwksURL, jwt string) error {
	ks := oidc.NewRemoteKeySet(context.Background(), jwksURL)
	_, err := ks.VerifySignature(context.Background(), jwt)
	return err
}

func whoamiStatus(t *testing.T, ps *protectStack, cookie *http.Cookie) int {
	t.Helper()
	req, _ := http.NewRequest("GET", ps.kratos.PublicURL+"sessions/whoami", nil)
	req.Header.Set("Cookie", cookie.String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func introspect(t *testing.T, h *stack.Hydra, token string) bool {
	t.Helper()
	resp, err := h.HTTPClient.PostForm(h.AdminURL+"admin/oauth2/introspect", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Active bool }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Active
}

func refresh(h *stack.Hydra, id, secret, rt string) (*tokens, error) {
	resp, err := h.HTTPClient.PostForm(h.PublicURL+"oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}, "client_secret": {secret},
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	var tk tokens
	return &tk, json.Unmarshal(body, &tk)
}

// codeLogin runs the authorization code grant with the login and consent
// accepted through Hydra's admin API (as a login and consent app would).
func codeLogin(t *testing.T, h *stack.Hydra, id, secret string) *tokens {
	t.Helper()
	tr := h.HTTPClient.Transport.(*http.Transport).Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	jar := newJar()
	c := &http.Client{Jar: jar, Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := h.PublicURL + "oauth2/auth?" + url.Values{"client_id": {id}, "response_type": {"code"}, "scope": {"openid offline_access"},
		"redirect_uri": {"http://127.0.0.1:1/cb"}, "state": {"state-0123456789"}, "nonce": {"nonce-0123456789"}}.Encode()
	accept := func(kind, challenge string, body map[string]any) string {
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		e2e.DoJSON(t, c, "PUT", h.AdminURL+"admin/oauth2/auth/requests/"+kind+"/accept?"+kind+"_challenge="+url.QueryEscape(challenge), body, http.StatusOK, &out)
		return out.RedirectTo
	}
	for range 10 {
		resp, err := c.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("no redirect from %s: %d", next, resp.StatusCode)
		}
		q := loc.Query()
		switch {
		case q.Get("login_challenge") != "":
			next = accept("login", q.Get("login_challenge"), map[string]any{"subject": "rotate-person"})
		case q.Get("consent_challenge") != "":
			next = accept("consent", q.Get("consent_challenge"), map[string]any{"grant_scope": []string{"openid", "offline_access"}})
		case q.Get("code") != "":
			resp, err := c.PostForm(h.PublicURL+"oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
				"redirect_uri": {"http://127.0.0.1:1/cb"}, "client_id": {id}, "client_secret": {secret}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var tk tokens
			if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil || tk.RefreshToken == "" || tk.IDToken == "" {
				t.Fatalf("code exchange: %d %v %+v", resp.StatusCode, err, tk)
			}
			return &tk
		default:
			t.Fatalf("unexpected redirect %s", loc)
		}
	}
	t.Fatal("the login did not end in a code")
	return nil
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
