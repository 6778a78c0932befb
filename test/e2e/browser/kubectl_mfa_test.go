package browser_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserKubectlRequireMFA: spec.kubernetes.requireMFA on the real
// kube-apiserver with the rendered AuthenticationConfiguration. kubectl's
// exec plugin opens the test's Chromium; bob, who has only a password,
// signs in and consents, and the apiserver refuses his token (401: amr
// holds no second factor, and a retry with the cached token is refused
// the same). Signed out, ada, who has TOTP, signs in with her password and
// the app's code (Kratos asks whoever has a second factor, and hands the
// methods to Hydra as amr), and the apiserver accepts her token.
func TestBrowserKubectlRequireMFA(t *testing.T) {
	stack.Require(t)
	bin := e2e.BuildPlugin(t)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	p := e2e.MFAIngressProfile(t, true)
	r := e2e.RenderProfile(t, "ingress+requireMFA", p)
	s := startSite(t, r, siteOptions{Hydra: true, TokenHook: true})
	const pw = "Kube-correct-horse-7Q!x"
	s.createIdentity(t, "bob@blog.example.com", pw, "staff")
	s.createIdentity(t, "ada@blog.example.com", pw, "staff")
	secret := e2e.EnrolTOTP(t, s.kratos.PublicURL, e2e.KratosAPILogin(t, s.kratos.PublicURL, "ada@blog.example.com", pw))

	clusterKC := startKubeFor(t, s, r)
	launcher := browser.StartLauncher(t)
	cacheDir := filepath.Join(t.TempDir(), "tokens")
	kubeconfigSetup(t, s, bin, p.Source, clusterKC, cacheDir)
	b := s.b
	login := func(email, shot string) kubectlResult {
		t.Helper()
		done := kubectlWhoami(t, clusterKC, launcher.Env)
		b.Navigate(launcher.Next(t, 2*time.Minute))
		b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
		b.Fill("#password-identifier", email)
		b.Fill("#password-password", pw)
		b.Click("#password-method")
		if email == "ada@blog.example.com" {
			b.WaitText("Second factor")
			b.Shot("kubectl-second-factor")
			submitTOTP(t, b, secret)
		}
		b.WaitURL(`^https://auth\.blog\.example\.com/consent\?consent_challenge=`)
		b.Click("#consent-accept")
		b.WaitURL(`^http://127\.0\.0\.1:[0-9]+/callback`)
		b.Shot(shot)
		select {
		case res := <-done:
			return res
		case <-time.After(2 * time.Minute):
			t.Fatal("kubectl did not finish after the browser login")
			return kubectlResult{}
		}
	}

	res := login("bob@blog.example.com", "kubectl-password-only")
	if res.err == nil || !strings.Contains(res.errOut, "Unauthorized") {
		t.Fatalf("a token without a second factor: kubectl auth whoami gave %v\n%s\n%s", res.err, res.out, res.errOut)
	}

	b.Navigate("https://" + s.w.AuthHost + "/logout")
	b.Click("#logout-confirm")
	b.WaitURL(`^https://auth\.blog\.example\.com/login`)
	if err := os.RemoveAll(cacheDir); err != nil {
		t.Fatal(err)
	}

	res = login("ada@blog.example.com", "kubectl-with-totp")
	if res.err != nil {
		t.Fatalf("a token with a second factor: kubectl auth whoami: %v\n%s", res.err, res.errOut)
	}
	var who struct {
		Status struct {
			UserInfo struct {
				Username string `json:"username"`
			} `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(res.out), &who); err != nil || who.Status.UserInfo.Username != "oidc:ada@blog.example.com" {
		t.Fatalf("kube-apiserver sees %q (%v), want oidc:ada@blog.example.com", who.Status.UserInfo.Username, err)
	}
}
