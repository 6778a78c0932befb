package login

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// tokenRun is one get-token run the way kubectl sees it: what went to
// stdout (the ExecCredential, printed only on success, as the command
// does), stderr, the error and the cache it left.
type tokenRun struct {
	res     *Result
	err     error
	stdout  string
	stderr  string
	browser *followingBrowser
	cache   kubeconfig.Cache
	key     string
}

type runOptions struct {
	// interactive is kubectl's spec.interactive (stdin is a terminal).
	interactive bool
	// cached is put into the cache before the run.
	cached *kubeconfig.TokenSet
	grant  string
}

func getToken(t *testing.T, fi *fakeIssuer, ro runOptions) tokenRun {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tokens")
	o := &kubeconfig.Options{
		IssuerURL: fi.URL(), ClientID: testClientID, CacheDir: dir,
		Grant: ro.grant, ClientSecret: "s3cr3t",
		// Port 0: parallel tests must not race for 18000.
		Listen: []string{"127.0.0.1:0"}, LockWaitNotice: time.Minute,
	}
	probe := *o
	probe.Defaults()
	r := tokenRun{browser: &followingBrowser{}, cache: kubeconfig.Cache{Dir: dir}, key: probe.CacheKey()}
	if ro.cached != nil {
		if err := r.cache.Save(r.key, ro.cached); err != nil {
			t.Fatal(err)
		}
	}
	execInfo := `{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`
	if ro.interactive {
		execInfo = `{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	res, apiVersion, err := PluginToken(ctx, o, PluginIO{
		Env: Env{Stderr: &stderr, Browser: r.browser},
		Getenv: func(k string) string {
			if k == kubeconfig.ExecInfoEnv {
				return execInfo
			}
			return ""
		},
		StdinIsTerminal: true,
	})
	if err == nil {
		if werr := kubeconfig.WriteExecCredential(&stdout, apiVersion, res.Tokens); werr != nil {
			t.Fatal(werr)
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("get-token hung until the test's deadline; browser errors: %v; stderr:\n%s", r.browser.errs, stderr.String())
	}
	r.res, r.err, r.stdout, r.stderr = res, err, stdout.String(), stderr.String()
	return r
}

// cachedFiles returns every file of the cache directory with its content.
func (r tokenRun) cachedFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(r.cache.Dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(r.cache.Dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// assertNotLeaked fails when token is in the cache, on stdout or on stderr.
func (r tokenRun) assertNotLeaked(t *testing.T, token string) {
	t.Helper()
	if token == "" {
		t.Fatal("test bug: no token to look for")
	}
	if r.res != nil {
		t.Errorf("a result was returned: source %s", r.res.Source)
	}
	if r.stdout != "" {
		t.Errorf("an ExecCredential was printed: %s", r.stdout)
	}
	if strings.Contains(r.stderr, token) {
		t.Errorf("the token was printed on stderr:\n%s", r.stderr)
	}
	for name, content := range r.cachedFiles(t) {
		if strings.Contains(content, token) {
			t.Errorf("the rejected token was cached in %s", name)
		}
	}
}

// answer makes the token endpoint return an id_token built by mint from a
// valid claim set (with the login's nonce) that mutate changed.
// The issuer records the answer: fi.issued("id_token") is the token to look
// for afterwards.
func answer(fi *fakeIssuer, mint func(claims map[string]any) string, mutate func(claims map[string]any)) {
	fi.setRespond(func(_, nonce string) (int, any) {
		c := fi.claims(nonce)
		if mutate != nil {
			mutate(c)
		}
		return 200, map[string]any{
			"access_token": "opaque-access-token", "token_type": "bearer", "expires_in": 3600,
			"refresh_token": "r2", "id_token": mint(c),
		}
	})
}

// TestIDTokenVerification sends one bad id_token per check, after a login
// and after a refresh, and shows that each is rejected for its reason,
// neither cached nor printed. The valid rows show that the same path
// accepts a good token, so a rejection is never the harness failing.
func TestIDTokenVerification(t *testing.T) {
	keys := rsaKeys()
	signing, stranger, rotated := keys[0], keys[1], keys[2]
	now := time.Now()
	for _, tc := range []struct {
		name string
		// mint signs the claims; default RS256 with the published key.
		mint   func(t *testing.T, fi *fakeIssuer, c map[string]any) string
		mutate func(c map[string]any)
		// setup changes the issuer before the run (key rotation).
		setup func(fi *fakeIssuer)
		// want is in the error ("" means the token must be accepted).
		want string
		// loginOnly: a refresh carries no nonce to compare.
		loginOnly bool
	}{
		{name: "valid token is accepted"},
		{
			name: "bad signature",
			mint: func(t *testing.T, _ *fakeIssuer, c map[string]any) string { return signRS256(t, stranger, "k1", c) },
			want: "failed to verify signature",
		},
		{
			name: "unknown kid",
			mint: func(t *testing.T, _ *fakeIssuer, c map[string]any) string {
				return signRS256(t, stranger, "k-unknown", c)
			},
			want: "failed to verify signature",
		},
		{
			name: "key rotation: a new kid the issuer now publishes is accepted",
			setup: func(fi *fakeIssuer) {
				fi.unpublish("k1")
				fi.publish("k2", rotated)
			},
			mint: func(t *testing.T, _ *fakeIssuer, c map[string]any) string { return signRS256(t, rotated, "k2", c) },
		},
		{
			name: "alg none",
			mint: func(t *testing.T, _ *fakeIssuer, c map[string]any) string { return unsigned(t, "k1", c) },
			want: `unexpected signature algorithm`,
		},
		{
			name: "HS256 signed with the issuer's public key",
			mint: func(t *testing.T, _ *fakeIssuer, c map[string]any) string {
				return signHS256WithPublicKey(t, &signing.PublicKey, "k1", c)
			},
			want: `unexpected signature algorithm`,
		},
		{
			name:   "wrong issuer",
			mutate: func(c map[string]any) { c["iss"] = "https://evil.example.com/" },
			want:   "id token issued by a different provider",
		},
		{
			name:   "wrong audience",
			mutate: func(c map[string]any) { c["aud"] = []string{"some-other-client"} },
			want:   `expected audience "kubectl"`,
		},
		{
			name:   "expired",
			mutate: func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix(); c["iat"] = now.Add(-time.Hour).Unix() },
			want:   "token is expired",
		},
		{
			name:   "not yet valid",
			mutate: func(c map[string]any) { c["nbf"] = now.Add(30 * time.Minute).Unix() },
			want:   "before the nbf (not before) time",
		},
		{
			name:      "nonce mismatch",
			mutate:    func(c map[string]any) { c["nonce"] = "a-nonce-of-another-login" },
			want:      "nonce does not match the login request",
			loginOnly: true,
		},
		{
			name:      "nonce missing",
			mutate:    func(c map[string]any) { delete(c, "nonce") },
			want:      "nonce does not match the login request",
			loginOnly: true,
		},
	} {
		for _, path := range []string{"login", "refresh"} {
			if tc.loginOnly && path == "refresh" {
				continue
			}
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				fi := newFakeIssuer(t)
				fi.publish("k1", signing)
				if tc.setup != nil {
					tc.setup(fi)
				}
				mint := tc.mint
				if mint == nil {
					mint = func(t *testing.T, _ *fakeIssuer, c map[string]any) string { return signRS256(t, signing, "k1", c) }
				}
				answer(fi, func(c map[string]any) string { return mint(t, fi, c) }, tc.mutate)

				ro := runOptions{interactive: true}
				old := &kubeconfig.TokenSet{Token: "old-id-token", IDToken: "old-id-token", RefreshToken: "r1", Expiry: now.Add(-time.Hour)}
				if path == "refresh" {
					// Nobody can log in, so a rejected refresh cannot be
					// hidden by a browser login that succeeds.
					ro = runOptions{cached: old}
				}
				r := getToken(t, fi, ro)
				idToken := fi.issued("id_token")
				if idToken == "" {
					t.Fatalf("the token endpoint was never reached: %v\nstderr:\n%s", r.err, r.stderr)
				}
				if tc.want == "" {
					if r.err != nil {
						t.Fatalf("a valid token was rejected: %v\nstderr:\n%s", r.err, r.stderr)
					}
					if !strings.Contains(r.stdout, idToken) {
						t.Fatalf("the ExecCredential does not carry the id_token: %s", r.stdout)
					}
					if e, err := r.cache.Load(r.key); err != nil || e == nil || e.IDToken != idToken || e.RefreshToken != "r2" {
						t.Fatalf("cache entry after success: %+v %v", e, err)
					}
					return
				}
				if r.err == nil {
					t.Fatalf("the token was accepted; want an error containing %q", tc.want)
				}
				// After a login the error is the verification's; after a
				// refresh it is printed, then a person is asked for (exit 4).
				msg := r.err.Error()
				if path == "refresh" {
					var ae *AuthRequiredError
					if !errors.As(r.err, &ae) {
						t.Fatalf("err = %v, want authentication required", r.err)
					}
					msg = r.stderr
				}
				if !strings.Contains(msg, "could not verify the id_token") || !strings.Contains(msg, tc.want) {
					t.Fatalf("rejected for the wrong reason; want %q in:\n%s", tc.want, msg)
				}
				r.assertNotLeaked(t, idToken)
				if path == "refresh" {
					// The old entry stays: the refresh token was not the
					// problem, the issuer's answer was.
					if e, _ := r.cache.Load(r.key); e == nil || e.RefreshToken != "r1" {
						t.Fatalf("cache entry after a rejected refresh answer: %+v", e)
					}
					if n := r.browser.count(); n != 0 {
						t.Fatalf("a browser was opened %d times", n)
					}
				}
			})
		}
	}
}

func TestMissingIDToken(t *testing.T) {
	for _, path := range []string{"login", "refresh"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			fi := newFakeIssuer(t)
			fi.publish("k1", rsaKeys()[0])
			fi.setRespond(func(string, string) (int, any) {
				return 200, map[string]any{"access_token": "access-without-id-token", "token_type": "bearer", "expires_in": 3600, "refresh_token": "r2"}
			})
			ro := runOptions{interactive: true}
			if path == "refresh" {
				ro = runOptions{cached: &kubeconfig.TokenSet{Token: "old", RefreshToken: "r1", Expiry: time.Now().Add(-time.Hour)}}
			}
			r := getToken(t, fi, ro)
			if fi.tokenRequests("") == 0 {
				t.Fatalf("the token endpoint was never reached: %v", r.err)
			}
			msg := r.stderr
			if r.err != nil {
				msg += r.err.Error()
			}
			if r.err == nil || !strings.Contains(msg, "the token response has no id_token") {
				t.Fatalf("err = %v\nstderr:\n%s", r.err, r.stderr)
			}
			r.assertNotLeaked(t, "access-without-id-token")
		})
	}
}

// A refresh token the issuer rejects (invalid_grant) is dropped, so later
// calls do not retry it; with nobody to log in, get-token asks for a login
// (exit 4) and opens no browser. A network error says nothing about the
// refresh token, so the entry stays for the next try.
func TestRefreshFailures(t *testing.T) {
	expired := func() *kubeconfig.TokenSet {
		return &kubeconfig.TokenSet{Token: "old-id-token", IDToken: "old-id-token", RefreshToken: "r1", Expiry: time.Now().Add(-time.Hour)}
	}
	t.Run("invalid_grant drops the entry", func(t *testing.T) {
		t.Parallel()
		fi := newFakeIssuer(t)
		fi.publish("k1", rsaKeys()[0])
		fi.setRespond(func(string, string) (int, any) {
			return 400, map[string]any{"error": "invalid_grant", "error_description": "the refresh token was revoked"}
		})
		r := getToken(t, fi, runOptions{cached: expired()})
		var ae *AuthRequiredError
		if !errors.As(r.err, &ae) || !strings.Contains(ae.Reason, "refreshing it failed") || !strings.HasPrefix(ae.Hint, "authctl login ") {
			t.Fatalf("err = %v, want authentication required with a login hint", r.err)
		}
		// x/oauth2 auto-detects the client auth style: a rejected first
		// try (secret in the header) is retried with the secret in the body.
		if grants := fi.tokenRequests("refresh_token"); grants == 0 || grants > 2 || fi.tokenRequests("") != grants {
			t.Fatalf("refresh grants sent: %d", grants)
		}
		if !strings.Contains(r.stderr, "invalid_grant") {
			t.Errorf("the issuer's answer is not shown:\n%s", r.stderr)
		}
		if e, err := r.cache.Load(r.key); err != nil || e != nil {
			t.Fatalf("the rejected entry is still cached: %+v %v", e, err)
		}
		if n := r.browser.count(); n != 0 {
			t.Fatalf("a browser was opened %d times", n)
		}
		r.assertNotLeaked(t, "old-id-token")
	})
	t.Run("network error keeps the entry", func(t *testing.T) {
		t.Parallel()
		fi := newFakeIssuer(t)
		fi.publish("k1", rsaKeys()[0])
		fi.setTokenEndpoint(closedURL(t) + "/token")
		r := getToken(t, fi, runOptions{cached: expired()})
		var ae *AuthRequiredError
		if !errors.As(r.err, &ae) {
			t.Fatalf("err = %v, want authentication required", r.err)
		}
		if !strings.Contains(r.stderr, "could not refresh the token") || !strings.Contains(r.stderr, "connection refused") {
			t.Fatalf("stderr does not show the network error:\n%s", r.stderr)
		}
		if e, err := r.cache.Load(r.key); err != nil || e == nil || e.RefreshToken != "r1" {
			t.Fatalf("the entry was dropped after a network error: %+v %v", e, err)
		}
		if n := r.browser.count(); n != 0 {
			t.Fatalf("a browser was opened %d times", n)
		}
		if r.stdout != "" {
			t.Fatalf("printed: %s", r.stdout)
		}
	})
}

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// The client credentials grant sends the access token to the API server,
// so it gets the same checks; the audience is the one it asked for.
func TestAccessTokenVerification(t *testing.T) {
	keys := rsaKeys()
	for _, tc := range []struct {
		name   string
		mint   func(t *testing.T, c map[string]any) string
		mutate func(c map[string]any)
		want   string
	}{
		{name: "valid"},
		{name: "wrong audience", mutate: func(c map[string]any) { c["aud"] = []string{"kubectl"} }, want: `expected audience "kubernetes"`},
		{name: "bad signature", mint: func(t *testing.T, c map[string]any) string { return signRS256(t, keys[1], "k1", c) }, want: "failed to verify signature"},
		{name: "expired", mutate: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, want: "token is expired"},
		{name: "wrong issuer", mutate: func(c map[string]any) { c["iss"] = "https://evil.example.com/" }, want: "issued by a different provider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fi := newFakeIssuer(t)
			fi.publish("k1", keys[0])
			fi.setRespond(func(string, string) (int, any) {
				c := fi.claims("")
				c["aud"] = []string{"kubernetes"}
				if tc.mutate != nil {
					tc.mutate(c)
				}
				mint := tc.mint
				if mint == nil {
					mint = func(t *testing.T, c map[string]any) string { return signRS256(t, keys[0], "k1", c) }
				}
				return 200, map[string]any{"access_token": mint(t, c), "token_type": "bearer", "expires_in": 3600}
			})
			dir := filepath.Join(t.TempDir(), "tokens")
			o := &kubeconfig.Options{IssuerURL: fi.URL(), ClientID: "ci", ClientSecret: "s", Grant: kubeconfig.GrantClientCredentials,
				Audiences: []string{"kubernetes"}, CacheDir: dir}
			var stderr bytes.Buffer
			s, err := NewSession(o, Env{Stderr: &stderr})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.GetToken(context.Background())
			access := fi.issued("access_token")
			if access == "" {
				t.Fatalf("the token endpoint was never reached: %v", err)
			}
			if tc.want == "" {
				if err != nil || res.Tokens.Token != access {
					t.Fatalf("valid access token: %+v %v", res, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "could not verify the access token") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			r := tokenRun{res: res, cache: kubeconfig.Cache{Dir: dir}, stderr: stderr.String()}
			r.assertNotLeaked(t, access)
		})
	}
}
