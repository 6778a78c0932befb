package browser_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserKubectlOneLoginTwoClusters (issue 22 item 4): a profile with
// spec.kubernetes.clusters [dev, prod], two real kube-apiservers, each with
// its own rendered AuthenticationConfiguration, and a kubeconfig for each
// written by `authctl kubeconfig setup -f PROFILE --cluster-audience NAME`.
// One browser login (kubectl on dev) serves both: kubectl on prod then
// works with no person present (stdin is not a terminal, so a login would
// be exit 4). The tricks, each refused by the real kube-apiserver: dev's
// token on prod and prod's on dev, and the shared login's own id_token
// (no cluster claim) on either; a token for a cluster the login was not
// granted is not issued.
func TestBrowserKubectlOneLoginTwoClusters(t *testing.T) {
	stack.Require(t)
	bin := e2e.BuildPlugin(t)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	src, err := os.ReadFile(e2e.InRepo("examples/ingress.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	profileFile := e2e.WriteFile(t, t.TempDir(), "blog-clusters.yaml", append(src, "  kubernetes:\n    clusters: [dev, prod]\n"...))
	p, err := profile.Load(profileFile)
	if err != nil {
		t.Fatal(err)
	}
	r := e2e.RenderProfile(t, "ingress-clusters", p)
	s := startSite(t, r, siteOptions{Hydra: true, TokenHook: true})
	const email, password = "two@blog.example.com", "Two-correct-horse-9S!z"
	s.createIdentity(t, email, password, "staff")
	caFile := e2e.WriteFile(t, t.TempDir(), "hydra-ca.crt", s.hydra.CAPEM)

	if _, ok := r.ConfigMapData(t, p.Metadata.Name+"-kube-apiserver-oidc")["authentication-config.yaml"]; ok {
		t.Fatal("a configuration for any cluster is rendered next to the clusters' own")
	}
	kc := map[string]string{}
	for _, c := range []string{"dev", "prod"} {
		kc[c] = kubeAPIServerFor(t, s, r, "authentication-config-"+c+".yaml")
	}

	launcher := browser.StartLauncher(t)
	self, _ := os.Executable()
	cacheDir := filepath.Join(t.TempDir(), "tokens")
	for _, c := range []string{"dev", "prod"} {
		run(t, nil, filepath.Join(bin, "authctl"), "kubeconfig", "setup", "-f", profileFile, "--cluster-audience", c,
			"--hydra-admin-url", s.hydra.AdminURL, "--hydra-admin-certificate-authority", caFile,
			"--issuer-url", s.hydra.IssuerURL, "--certificate-authority", caFile,
			"--kubeconfig", kc[c], "--cluster", "e2e", "--set-current-context",
			"--listen", "127.0.0.1:0", "--browser-command", self, "--token-cache-dir", cacheDir, "--no-login")
	}

	// kubectl on dev: the one browser login.
	done := make(chan error, 1)
	var devOut, devErr bytes.Buffer
	go func() {
		cmd := exec.Command("kubectl", "--kubeconfig", kc["dev"], "auth", "whoami", "-o", "json")
		cmd.Env = append(os.Environ(), launcher.Env)
		cmd.Stdout, cmd.Stderr, cmd.Stdin = &devOut, &devErr, e2e.PTY(t)
		done <- cmd.Run()
	}()
	b := s.b
	b.Navigate(launcher.Next(t, 2*time.Minute))
	b.KubectlLogin("auth.blog.example.com", email, password, "kubectl-two-clusters")
	select {
	case err := <-done:
		if err != nil {
			t.Logf("kubectl on dev (the JWT authenticator may still be starting): %v\n%s", err, devErr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("kubectl on dev did not finish after the browser login")
	}

	// Both clusters, no person present: the cached dev token, and a prod
	// token from the shared login. The API servers start their JWT
	// authenticators lazily, so each is retried for a while.
	for _, c := range []string{"dev", "prod"} {
		who := whoami(t, kc[c], "", launcher.Env)
		if who.Username != "oidc:"+email || !slices.Contains(who.Groups, "oidc:staff") {
			t.Fatalf("%s sees %s in %v", c, who.Username, who.Groups)
		}
	}
	if u, ok := launcher.Launched(); ok {
		t.Fatalf("a second browser login was started: %s", u)
	}

	// The tokens, as the plugin hands them to kubectl (cache hits).
	token := func(c string, extra ...string) (string, error) {
		args := append(execArgs(t, kc[c]), extra...)
		cmd := exec.Command(filepath.Join(bin, "authctl"), append([]string{"get-token"}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return errb.String(), err
		}
		var ec struct {
			Status struct {
				Token string `json:"token"`
			} `json:"status"`
		}
		if err := json.Unmarshal(out.Bytes(), &ec); err != nil || ec.Status.Token == "" {
			t.Fatalf("get-token %s: %v %q", c, err, out.String())
		}
		return ec.Status.Token, nil
	}
	devTok, err := token("dev")
	if err != nil {
		t.Fatalf("dev token: %v %s", err, devTok)
	}
	prodTok, err := token("prod")
	if err != nil {
		t.Fatalf("prod token: %v %s", err, prodTok)
	}
	// The shared login's own id_token: the same flags without the cluster.
	loginTok, err := token("dev", "--cluster-audience=")
	if err != nil {
		t.Fatalf("the shared login's token: %v %s", err, loginTok)
	}
	for _, c := range []struct {
		cluster, token, name string
		ok                   bool
	}{
		{"prod", prodTok, "prod's token on prod", true},
		{"prod", devTok, "dev's token on prod", false},
		{"dev", prodTok, "prod's token on dev", false},
		{"dev", loginTok, "the login's token on dev", false},
		{"prod", loginTok, "the login's token on prod", false},
	} {
		out, err := exec.Command("kubectl", "--kubeconfig", kc[c.cluster], "--token", c.token, "auth", "whoami").CombinedOutput()
		if (err == nil) != c.ok {
			t.Errorf("%s: accepted %t, want %t\n%s", c.name, err == nil, c.ok, out)
		}
		if !c.ok && !strings.Contains(string(out), "Unauthorized") {
			t.Errorf("%s: refused, but not as unauthenticated:\n%s", c.name, out)
		}
	}
	// A cluster the login was not granted gets no token.
	if out, err := token("prod", "--cluster-audience=staging"); err == nil || !strings.Contains(out, "did not bind the token to cluster staging") {
		t.Fatalf("a token for a cluster the login was not granted: %v\n%s", err, out)
	}
}

type userInfo struct {
	Username string
	Groups   []string
}

// whoami runs kubectl auth whoami without a terminal (a login would be
// exit 4), retrying while the API server's JWT authenticator starts.
func whoami(t *testing.T, kubeconfig, token string, env ...string) userInfo {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Second) {
		args := []string{"--kubeconfig", kubeconfig, "auth", "whoami", "-o", "json"}
		if token != "" {
			args = append(args, "--token", token)
		}
		cmd := exec.Command("kubectl", args...)
		cmd.Env = append(os.Environ(), env...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err == nil {
			user, groups := e2e.WhoAmI(t, out.String())
			return userInfo{Username: user, Groups: groups}
		} else if time.Now().After(deadline) {
			t.Fatalf("kubectl auth whoami on %s: %v\n%s", kubeconfig, err, errb.String())
		}
	}
}

// execArgs are the plugin arguments kubeconfig setup wrote.
func execArgs(t *testing.T, kubeconfig string) []string {
	t.Helper()
	out, err := exec.Command("kubectl", "--kubeconfig", kubeconfig, "config", "view", "--minify", "-o", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Users []struct {
			User struct {
				Exec struct {
					Args []string `json:"args"`
				} `json:"exec"`
			} `json:"user"`
		} `json:"users"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil || len(cfg.Users) != 1 {
		t.Fatalf("kubeconfig users: %v %s", err, out)
	}
	args := cfg.Users[0].User.Exec.Args
	if len(args) > 0 && args[0] == "get-token" {
		args = args[1:]
	}
	return args
}
