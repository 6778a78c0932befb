package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

func session(t *testing.T, env Env) *Session {
	t.Helper()
	o := &kubeconfig.Options{IssuerURL: "https://127.0.0.1:1/", ClientID: "kubectl", CacheDir: t.TempDir(), BrowserLaunchLimit: 2}
	env.Stderr = io.Discard
	s, err := NewSession(o, env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type countingBrowser struct{ n int }

func (b *countingBrowser) Open(context.Context, string) error { b.n++; return nil }

// No person → exit 4 with the login hint, without a browser or network.
func TestGetTokenNonInteractive(t *testing.T) {
	for name, env := range map[string]Env{
		"spec.interactive false": {ExecInfo: &kubeconfig.ExecInfo{APIVersion: kubeconfig.ExecAPIv1}, StdinIsTerminal: true},
		"no terminal":            {},
	} {
		t.Run(name, func(t *testing.T) {
			b := &countingBrowser{}
			env.Browser = b
			_, err := session(t, env).GetToken(context.Background())
			var ae *AuthRequiredError
			if !errors.As(err, &ae) || !strings.HasPrefix(ae.Hint, "authctl login --issuer-url=https://127.0.0.1:1/ --client-id=kubectl") {
				t.Fatalf("err = %v", err)
			}
			if b.n != 0 {
				t.Fatal("a browser was opened")
			}
		})
	}
}

func TestGetTokenCachedAndLaunchCap(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := session(t, Env{StdinIsTerminal: true, Now: func() time.Time { return now }})
	if err := s.store.Save(s.CacheKey(), &kubeconfig.TokenSet{Token: "t", Expiry: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	res, err := s.GetToken(context.Background())
	if err != nil || res.Source != FromCache || res.Tokens.Token != "t" {
		t.Fatalf("cache hit: %+v %v", res, err)
	}
	// Expired, no refresh token, a person present, but the cap reached.
	if err := s.store.Save(s.CacheKey(), &kubeconfig.TokenSet{Token: "t", Expiry: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if ok, err := allowLaunch(s.cache, s.CacheKey(), now, 2, time.Minute); !ok || err != nil {
			t.Fatal("launch refused below the cap")
		}
	}
	_, err = s.GetToken(context.Background())
	var ae *AuthRequiredError
	if !errors.As(err, &ae) || !strings.Contains(ae.Reason, "opened 2 times") {
		t.Fatalf("err = %v", err)
	}
	// The window slides.
	if ok, _ := allowLaunch(s.cache, s.CacheKey(), now.Add(11*time.Minute), 2, 10*time.Minute); !ok {
		t.Fatal("launch refused after the window")
	}
}

// holdLock takes the session's lock as another get-token would while it
// logs in, and releases it at the end of the test.
func holdLock(t *testing.T, s *Session) {
	t.Helper()
	unlock, err := acquire(s.cache, context.Background(), s.CacheKey(), lockRequest{Purpose: "logging in", Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
}

// A held lock (another process's browser login) never blocks kubectl: a
// call that needs the lock gives up after --lock-timeout with exit code 4
// and names the holder; a non-interactive call that could only end in a
// browser login does not even wait.
func TestGetTokenHeldLockIsBounded(t *testing.T) {
	const bound = 400 * time.Millisecond
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		env          Env
		refreshToken string
		maxWait      time.Duration
		wantHolder   bool
	}{
		"non-interactive with a refresh token waits, bounded": {env: Env{}, refreshToken: "r", maxWait: bound + 2*time.Second, wantHolder: true},
		"interactive waits, bounded":                          {env: Env{StdinIsTerminal: true}, maxWait: bound + 2*time.Second, wantHolder: true},
		"non-interactive without a refresh token fails at once": {
			env: Env{ExecInfo: &kubeconfig.ExecInfo{APIVersion: kubeconfig.ExecAPIv1}, StdinIsTerminal: true}, maxWait: 100 * time.Millisecond,
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := &countingBrowser{}
			tc.env.Browser = b
			tc.env.Now = func() time.Time { return now }
			s := session(t, tc.env)
			s.Options.LockTimeout = bound
			if err := s.store.Save(s.CacheKey(), &kubeconfig.TokenSet{Token: "t", RefreshToken: tc.refreshToken, Expiry: now.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			holdLock(t, s)
			// Without the bound the old code waited for ever; the context
			// only keeps a regression from hanging the test run.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			_, err := s.GetToken(ctx)
			took := time.Since(start)
			var ae *AuthRequiredError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an AuthRequiredError (exit code 4)", err)
			}
			if took > tc.maxWait {
				t.Fatalf("took %s, want at most %s", took, tc.maxWait)
			}
			if tc.wantHolder {
				if took < bound {
					t.Fatalf("gave up after %s, before the bound %s", took, bound)
				}
				if !strings.Contains(ae.Reason, fmt.Sprintf("pid %d on ", os.Getpid())) || !strings.Contains(ae.Reason, "logging in since") {
					t.Fatalf("reason does not name the holder: %s", ae.Reason)
				}
			}
			if b.n != 0 {
				t.Fatal("a browser was opened")
			}
		})
	}
}

// The lock file names its holder while held and is emptied on release;
// the file stays private.
func TestLockFileNamesHolder(t *testing.T) {
	s := session(t, Env{})
	unlock, err := acquire(s.cache, context.Background(), s.CacheKey(), lockRequest{Purpose: "refreshing", Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	path := s.cache.Path(s.CacheKey(), ".lock")
	if h := readHolder(path); !strings.Contains(h, fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(h, "refreshing") {
		t.Fatalf("holder = %q", h)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file mode %v", fi.Mode().Perm())
	}
	unlock()
	if h := readHolder(path); h != "" {
		t.Fatalf("holder after release = %q", h)
	}
	// Released: the next caller gets it at once.
	unlock, err = acquire(s.cache, context.Background(), s.CacheKey(), lockRequest{Timeout: 50 * time.Millisecond, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	unlock()
}
