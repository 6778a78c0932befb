package browser_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserKubectlRequireMFA: spec.kubernetes.requireMFA on the real
// kube-apiserver with the rendered AuthenticationConfiguration. kubectl's
// exec plugin opens the test's Chromium; bob, who has only a password,
// signs in and consents, and the apiserver refuses his token (401: amr
// holds no second factor, and a retry with the cached token is refused
// the same); bob then enrols TOTP, and his refreshed token (get-token
// --force-refresh) keeps his login's amr and is refused all the same.
// Signed out, ada, who has TOTP, signs in with her password and the app's
// code (Kratos asks whoever has a second factor, and hands the methods to
// Hydra as amr), and the apiserver accepts her token, and her refreshed
// one.
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

	s.signOut()
	// bob enrols TOTP afterwards (in a session of his own): a refresh of
	// his token keeps its login's amr, so it is refused all the same.
	e2e.EnrolTOTP(t, s.kratos.PublicURL, e2e.KratosAPILogin(t, s.kratos.PublicURL, "bob@blog.example.com", pw))
	if amr, err := refreshedWhoami(t, bin, clusterKC); err == nil || slices.Contains(amr, "totp") {
		t.Fatalf("bob's refreshed token (amr %v) after he enrolled TOTP: kubectl auth whoami gave %v, want Unauthorized", amr, err)
	}
	if err := os.RemoveAll(cacheDir); err != nil {
		t.Fatal(err)
	}

	res = login("ada@blog.example.com", "kubectl-with-totp")
	if res.err != nil {
		t.Fatalf("a token with a second factor: kubectl auth whoami: %v\n%s", res.err, res.errOut)
	}
	if user, _ := e2e.WhoAmI(t, res.out); user != "oidc:ada@blog.example.com" {
		t.Fatalf("kube-apiserver sees %q, want oidc:ada@blog.example.com", user)
	}
	// Her refreshed token keeps the second factor of her login.
	if amr, err := refreshedWhoami(t, bin, clusterKC); err != nil || !slices.Contains(amr, "totp") {
		t.Fatalf("ada's refreshed token (amr %v): kubectl auth whoami gave %v", amr, err)
	}
}

// refreshedWhoami refreshes the cached token with authctl-get-token
// --force-refresh (the kubeconfig's exec arguments, no person present),
// then runs kubectl auth whoami on the new token from the cache. It
// returns the new id_token's amr and kubectl's error.
func refreshedWhoami(t *testing.T, bin, kubeconfigPath string) ([]string, error) {
	t.Helper()
	var kc struct {
		Users []struct {
			User struct {
				Exec struct{ Args []string } `json:"exec"`
			} `json:"user"`
		} `json:"users"`
	}
	raw, err := os.ReadFile(kubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &kc); err != nil {
		t.Fatalf("kubeconfig users: %v", err)
	}
	var args []string
	for _, u := range kc.Users {
		if len(u.User.Exec.Args) > 0 {
			args = u.User.Exec.Args // the user authctl kubeconfig setup wrote
		}
	}
	if args == nil {
		t.Fatalf("no exec user in %s", kubeconfigPath)
	}
	out := run(t, []string{kubeconfig.ExecInfoEnv + `={"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`},
		filepath.Join(bin, "authctl-get-token"), append(args, "--force-refresh")...)
	var ec struct{ Status struct{ Token string } }
	if err := json.Unmarshal([]byte(out), &ec); err != nil {
		t.Fatalf("ExecCredential %q: %v", out, err)
	}
	var claims struct {
		AMR []string `json:"amr"`
	}
	if parts := strings.Split(ec.Status.Token, "."); len(parts) == 3 {
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(payload, &claims)
	}
	who, err := exec.Command("kubectl", "--kubeconfig", kubeconfigPath, "auth", "whoami").CombinedOutput()
	if err != nil {
		t.Logf("kubectl auth whoami: %s", who)
	}
	return claims.AMR, err
}
