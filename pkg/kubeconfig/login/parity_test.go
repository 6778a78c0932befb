package login

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// pageBrowser follows the login to the loopback callback and keeps the
// page the callback answered with.
type pageBrowser struct {
	mu     sync.Mutex
	status int
	page   string
}

func (b *pageBrowser) Open(_ context.Context, u string) error {
	// A browser outlives the login's context: the page must reach it.
	go func() {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b.mu.Lock()
		b.status, b.page = resp.StatusCode, string(body)
		b.mu.Unlock()
	}()
	return nil
}

func (b *pageBrowser) result() (int, string) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b.mu.Lock()
		s, p := b.status, b.page
		b.mu.Unlock()
		if s != 0 {
			return s, p
		}
	}
	return 0, ""
}

func loginSession(t *testing.T, fi *fakeIssuer, o *kubeconfig.Options, b Browser, stderr io.Writer) *Session {
	t.Helper()
	o.IssuerURL, o.ClientID, o.Listen, o.LockWaitNotice = fi.URL(), testClientID, []string{"127.0.0.1:0"}, time.Minute
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(t.TempDir(), "tokens")
	}
	s, err := NewSession(o, Env{Stderr: stderr, Browser: b, StdinIsTerminal: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The callback page shows the outcome of the code exchange, which runs
// while the browser waits: "Logged in as …" only once the token is
// verified, and the reason when the exchange fails. The failure needs an
// issuer that refuses a code it just issued, hence the in-process fake.
func TestCallbackPageShowsTheExchangeFakeIssuer(t *testing.T) {
	fi := newFakeIssuer(t)
	k := rsaKeys()[0]
	fi.publish("k1", k)
	t.Run("exchange succeeds", func(t *testing.T) {
		answer(fi, func(c map[string]any) string { return signRS256(t, k, "k1", c) }, nil)
		b := &pageBrowser{}
		res, err := loginSession(t, fi, &kubeconfig.Options{}, b, io.Discard).Login(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		status, page := b.result()
		if status != http.StatusOK || !strings.Contains(page, "authctl is logged in as alice@example.com") || res.Claims.Email != "alice@example.com" {
			t.Fatalf("callback page %d:\n%s", status, page)
		}
	})
	t.Run("exchange refused", func(t *testing.T) {
		fi.setRespond(func(string, string) (int, any) {
			return http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "the code was already used"}
		})
		b := &pageBrowser{}
		_, err := loginSession(t, fi, &kubeconfig.Options{}, b, io.Discard).Login(context.Background())
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("login err = %v", err)
		}
		status, page := b.result()
		if status != http.StatusUnauthorized || !strings.Contains(page, "Login failed") || !strings.Contains(page, "invalid_grant") || strings.Contains(page, "logged in as") {
			t.Fatalf("callback page %d:\n%s", status, page)
		}
	})
	t.Run("id_token refused", func(t *testing.T) {
		answer(fi, func(c map[string]any) string { return signRS256(t, k, "k1", c) }, func(c map[string]any) { c["aud"] = "someone-else" })
		b := &pageBrowser{}
		if _, err := loginSession(t, fi, &kubeconfig.Options{}, b, io.Discard).Login(context.Background()); err == nil {
			t.Fatal("login with a token for another audience succeeded")
		}
		if status, page := b.result(); status != http.StatusUnauthorized || !strings.Contains(page, "could not verify the id_token") {
			t.Fatalf("callback page %d:\n%s", status, page)
		}
	})
}

// --log-level debug says what happens, step by step, and never prints a
// token, the code, the state, the nonce or the client secret.
func TestDebugLogRedactsSecrets(t *testing.T) {
	fi := newFakeIssuer(t)
	k := rsaKeys()[0]
	fi.publish("k1", k)
	answer(fi, func(c map[string]any) string { return signRS256(t, k, "k1", c) }, nil)
	var stderr bytes.Buffer
	o := &kubeconfig.Options{LogLevel: kubeconfig.LogDebug, ClientSecret: "s3cr3t-value"}
	s := loginSession(t, fi, o, &followingBrowser{}, &stderr)
	if _, err := s.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	idToken, refresh := fi.issued("id_token"), fi.issued("refresh_token")
	// A refresh, forced although the token is valid.
	o.ForceRefresh = true
	if res, err := s.GetToken(context.Background()); err != nil || res.Source != FromRefresh {
		t.Fatalf("forced refresh: %+v %v", res, err)
	}
	log := stderr.String()
	for _, want := range []string{"authctl: debug: cache key", "exchanging the authorization code", "GET " + fi.URL() + ".well-known/openid-configuration: 200 OK", "POST " + fi.URL() + "token: 200 OK", "--force-refresh: not using a cached token", "refreshing the token"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q:\n%s", want, log)
		}
	}
	for name, secret := range map[string]string{"id_token": idToken, "refresh token": refresh, "new id_token": fi.issued("id_token"), "code": "the-code", "client secret": "s3cr3t-value", "access token": "opaque-access-token"} {
		if secret != "" && strings.Contains(log, secret) {
			t.Errorf("the debug log holds the %s:\n%s", name, log)
		}
	}
	if !strings.Contains(log, "client_secret_sha256") {
		t.Errorf("the cache key is not logged with the secret's hash:\n%s", log)
	}
}

// --force-refresh refreshes a token that is still valid.
func TestForceRefreshIgnoresAValidToken(t *testing.T) {
	fi := newFakeIssuer(t)
	k := rsaKeys()[0]
	fi.publish("k1", k)
	answer(fi, func(c map[string]any) string { return signRS256(t, k, "k1", c) }, nil)
	o := &kubeconfig.Options{}
	s := loginSession(t, fi, o, &followingBrowser{}, io.Discard)
	if _, err := s.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res, err := s.GetToken(context.Background()); err != nil || res.Source != FromCache {
		t.Fatalf("without --force-refresh: %+v %v", res, err)
	}
	o.ForceRefresh = true
	if res, err := s.GetToken(context.Background()); err != nil || res.Source != FromRefresh {
		t.Fatalf("with --force-refresh: %+v %v", res, err)
	}
	if n := fi.tokenRequests("refresh_token"); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
}

// --token-cache-storage none keeps no token: each call asks the issuer.
func TestStorageNoneKeepsNoToken(t *testing.T) {
	fi := newFakeIssuer(t)
	k := rsaKeys()[0]
	fi.publish("k1", k)
	fi.setRespond(func(string, string) (int, any) {
		now := time.Now()
		return 200, map[string]any{"access_token": signRS256(t, k, "k1", map[string]any{"iss": fi.URL(), "sub": "ci", "aud": "kubectl", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}), "token_type": "bearer", "expires_in": 3600}
	})
	o := &kubeconfig.Options{Grant: kubeconfig.GrantClientCredentials, ClientSecret: "s", Audiences: []string{"kubectl"}, Storage: kubeconfig.StorageNone}
	s := loginSession(t, fi, o, nil, io.Discard)
	for range 2 {
		if res, err := s.GetToken(context.Background()); err != nil || res.Source != FromClientCredentials {
			t.Fatalf("get-token: %+v %v", res, err)
		}
	}
	if n := fi.tokenRequests("client_credentials"); n != 2 {
		t.Fatalf("%d token requests, want 2 (nothing cached)", n)
	}
	files, _ := filepath.Glob(filepath.Join(o.CacheDir, "*.json"))
	if len(files) != 0 {
		t.Fatalf("entries written: %v", files)
	}
}

// logout deletes every entry of the issuer and client id, whatever the
// scopes, and nothing else; nothing matched is an error.
func TestLogoutDeletesEveryScope(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	save := func(issuer, client string, scopes ...string) {
		o := &kubeconfig.Options{IssuerURL: issuer, ClientID: client, ExtraScopes: scopes, CacheDir: dir}
		s, err := NewSession(o, Env{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.save(&kubeconfig.TokenSet{Token: "t", Expiry: time.Now().Add(time.Hour)}, nil, nil)(FromLogin); err != nil {
			t.Fatal(err)
		}
	}
	save("https://i.example.com/", "kubectl", "email")
	save("https://i.example.com/", "kubectl", "email", "groups", "offline_access")
	save("https://i.example.com", "kubectl")
	save("https://i.example.com/", "other")
	save("https://elsewhere.example.com/", "kubectl")
	n, err := Logout(dir, "https://i.example.com/", "kubectl")
	if err != nil || n != 3 {
		t.Fatalf("logout = %d, %v; want 3", n, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(left) != 2 {
		t.Fatalf("left %v, want the other client's and the other issuer's", left)
	}
	_, err = Logout(dir, "https://i.example.com/", "kubectl")
	var nm *NothingMatchedError
	if !errors.As(err, &nm) || !strings.HasPrefix(err.Error(), "nothing matched") {
		t.Fatalf("second logout: %v", err)
	}
	if _, err := Logout(dir, "https://made-up.example.com/", "kubectl"); !errors.As(err, &nm) {
		t.Fatalf("made-up issuer: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}
