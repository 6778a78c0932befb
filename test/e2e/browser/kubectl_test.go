package browser_test

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

// The test binary is authctl-get-token's --browser-command: it hands the
// login URL to the test's Chromium.
func init() { browser.HandOffIfAsked() }

// TestBrowserKubectlLogin: kubectl's exec plugin (authctl-get-token, set up
// by authctl kubeconfig setup) opens the browser, which is the test's
// Chromium; the person signs in on the built-in login page, consents on the
// consent page (kubectl is not marked first-party here), and the real
// kube-apiserver, configured with the rendered AuthenticationConfiguration,
// sees the person's email and groups (put in by consent and by the real
// token hook, which agree).
func TestBrowserKubectlLogin(t *testing.T) {
	stack.Require(t)
	bin := e2e.BuildPlugin(t)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	profileFile := e2e.InRepo("examples/ingress.yaml")
	p, err := profile.Load(profileFile)
	if err != nil {
		t.Fatal(err)
	}
	r := e2e.RenderProfile(t, "ingress", p)
	s := startSite(t, r, siteOptions{Hydra: true, TokenHook: true})
	const email, password = "ops@blog.example.com", "Ops-correct-horse-7Q!x"
	s.createIdentity(t, email, password, "staff")
	clusterKC := startKubeFor(t, s, r)
	launcher := browser.StartLauncher(t)
	kubeconfigSetup(t, s, bin, profileFile, clusterKC, filepath.Join(t.TempDir(), "tokens"))

	// kubectl waits for the login while the person uses the browser.
	done := kubectlWhoami(t, clusterKC, launcher.Env)
	b := s.b
	b.Navigate(launcher.Next(t, 2*time.Minute))
	b.KubectlLogin("auth.blog.example.com", email, password, "kubectl")

	var res kubectlResult
	select {
	case res = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("kubectl did not finish after the browser login")
	}
	if res.err != nil {
		t.Fatalf("kubectl auth whoami: %v\n%s", res.err, res.errOut)
	}
	if user, groups := e2e.WhoAmI(t, res.out); user != "oidc:"+email || !slices.Contains(groups, "oidc:staff") {
		t.Fatalf("kube-apiserver sees %s in %v, want oidc:%s in oidc:staff", user, groups, email)
	}
	keepShots(t, b, map[string]string{"kubectl-consent": "kubectl-consent", "kubectl-callback": "kubectl-callback"})
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// startKubeFor starts the real kube-apiserver with the render's
// AuthenticationConfiguration (kubeAPIServerFor) and waits until the
// lazily started JWT authenticator accepts a CI token. It returns the
// cluster's kubeconfig.
func startKubeFor(t *testing.T, s *site, r e2e.Rendered) string {
	t.Helper()
	p := r.Profile
	clusterKC := kubeAPIServerFor(t, s, r, "authentication-config.yaml")
	// The JWT authenticator starts lazily: wait for it with a CI token.
	s.hydra.CreateClient(t, map[string]any{
		"client_id": "ci", "client_secret": "ci-secret-0123456789abcdef", "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_post", "audience": []string{p.Spec.Kubernetes.ClientID}, "access_token_strategy": "jwt",
	})
	ciToken := s.hydra.ClientCredentialsToken(t, "ci", "ci-secret-0123456789abcdef", p.Spec.Kubernetes.ClientID)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Second) {
		out, err := exec.Command("kubectl", "--kubeconfig", clusterKC, "--token", ciToken, "auth", "whoami").CombinedOutput()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kube-apiserver never accepted an OIDC token: %s", out)
		}
	}
	return clusterKC
}

// kubeAPIServerFor starts the real kube-apiserver with one rendered
// AuthenticationConfiguration (key of the kube-apiserver-oidc ConfigMap),
// its issuer pointed at the site's Hydra with its CA, and returns the
// cluster's kubeconfig.
func kubeAPIServerFor(t *testing.T, s *site, r e2e.Rendered, key string) string {
	t.Helper()
	data := r.ConfigMapData(t, r.Profile.Metadata.Name+"-kube-apiserver-oidc")
	var ac map[string]any
	if err := yaml.Unmarshal([]byte(data[key]), &ac); err != nil || ac == nil {
		t.Fatalf("%s: %v (keys %v)", key, err, slices.Sorted(maps.Keys(data)))
	}
	issuer := ac["jwt"].([]any)[0].(map[string]any)["issuer"].(map[string]any)
	issuer["url"] = s.hydra.IssuerURL
	issuer["certificateAuthority"] = string(s.hydra.CAPEM)
	acYAML, _ := yaml.Marshal(ac)
	return stack.StartKubeAPIServer(t, stack.KubeOptions{AuthenticationConfig: acYAML}).ClusterKubeconfig(t)
}

type kubectlResult struct {
	out, errOut string
	err         error
}

// kubectlWhoami runs kubectl auth whoami -o json with a terminal (a
// person is present: the plugin may open the browser), in the background.
func kubectlWhoami(t *testing.T, kubeconfig, launcherEnv string) <-chan kubectlResult {
	t.Helper()
	done := make(chan kubectlResult, 1)
	tty := e2e.PTY(t)
	go func() {
		cmd := exec.Command("kubectl", "--kubeconfig", kubeconfig, "auth", "whoami", "-o", "json")
		cmd.Env = append(os.Environ(), launcherEnv)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, tty
		err := cmd.Run()
		done <- kubectlResult{out.String(), errb.String(), err}
	}()
	return done
}

// kubeconfigSetup runs authctl kubeconfig setup for the site's Hydra, with
// the test binary as the browser command (it hands the URL to the test's
// Chromium) and the token cache in cacheDir.
func kubeconfigSetup(t *testing.T, s *site, bin, profileFile, kubeconfig, cacheDir string) {
	t.Helper()
	caFile := e2e.WriteFile(t, t.TempDir(), "hydra-ca.crt", s.hydra.CAPEM)
	self, _ := os.Executable()
	run(t, nil, filepath.Join(bin, "authctl"), "kubeconfig", "setup", "-f", profileFile,
		"--hydra-admin-url", s.hydra.AdminURL, "--hydra-admin-certificate-authority", caFile,
		"--issuer-url", s.hydra.IssuerURL, "--certificate-authority", caFile,
		"--kubeconfig", kubeconfig, "--cluster", "e2e", "--set-current-context",
		"--listen", "127.0.0.1:0", "--browser-command", self, "--token-cache-dir", cacheDir, "--no-login")
}
