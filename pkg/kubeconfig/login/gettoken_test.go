package login

import (
	"context"
	"errors"
	"io"
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
