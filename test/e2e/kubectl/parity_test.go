package kubectl_test

// Issue 22 on the real servers: kubelogin parity of the exec plugin, run
// inside TestKubectlOIDCLogin on its Hydra, Kratos, token hook and
// kube-apiserver (kcParity.run), with real kubectl.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/setup"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// kcParity is what the issue 22 subtests need of TestKubectlOIDCLogin.
type kcParity struct {
	bin, caFile, clusterKC, cacheDir, self, clientID, groupsScope string
	// adminKC is the harness's admin kubeconfig (client certificate).
	adminKC       string
	redirectPorts []int
	hydra         *stack.Hydra
	e             *kcEnv
	admin         []string
	refreshes     func() int
}

const kcNonInteractive = kubeconfig.ExecInfoEnv + `={"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`

// kcExec runs a command and returns its stdout, stderr and exit code.
func kcExec(t *testing.T, env []string, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), errb.String(), 0
}

func kcReadEntry(t *testing.T, file string) kubeconfig.TokenSet {
	t.Helper()
	var ts kubeconfig.TokenSet
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ts); err != nil {
		t.Fatal(err)
	}
	return ts
}

func (p kcParity) authctl() string { return filepath.Join(p.bin, "authctl") }

// loginArgs are the flags of a browser login of the kubectl client into
// dir, with the scopes setup writes.
func (p kcParity) loginArgs(dir string, extra ...string) []string {
	return append([]string{"login", "--issuer-url", p.hydra.IssuerURL, "--client-id", p.clientID, "--scope", "offline_access,email," + p.groupsScope,
		"--listen", "127.0.0.1:0", "--browser-command", p.self, "--token-cache-dir", dir}, extra...)
}

func (p kcParity) browserEnv(extra ...string) []string {
	return append(append(append([]string{}, p.e.env...), p.admin...), extra...)
}

func (p kcParity) run(run func(string, func(*testing.T))) {
	authctl := p.authctl()
	run("logout deletes every entry of the issuer and client, then kubectl needs a login", func(t *testing.T) {
		kcRun(t, nil, authctl, "logout", "--all", "--token-cache-dir", p.cacheDir)
		if user, _, _ := p.e.whoami(true, p.admin); user != "oidc:admin@example.com" {
			t.Fatalf("whoami = %s", user)
		}
		// The same client with other scopes: a second entry.
		kcRun(t, p.browserEnv(), authctl, "login", "--issuer-url", p.hydra.IssuerURL, "--client-id", p.clientID, "--scope", "offline_access,email",
			"--listen", "127.0.0.1:0", "--browser-command", p.self, "--token-cache-dir", p.cacheDir, "--certificate-authority", p.caFile)
		if n := len(kcCacheFiles(t, p.cacheDir)); n != 2 {
			t.Fatalf("%d cache entries, want 2", n)
		}
		_, stderr, code := kcExec(t, nil, authctl, "logout", "--issuer-url", p.hydra.IssuerURL, "--client-id", p.clientID, "--token-cache-dir", p.cacheDir)
		if code != 0 || !strings.Contains(stderr, "logged out: deleted 2 cached tokens") {
			t.Fatalf("logout: exit %d\n%s", code, stderr)
		}
		if n := len(kcCacheFiles(t, p.cacheDir)); n != 0 {
			t.Fatalf("%d cache entries left", n)
		}
		_, stderr, err := p.e.kubectl(false, p.admin, "auth", "whoami")
		if err == nil || !strings.Contains(stderr, "authentication required") {
			t.Fatalf("kubectl after logout: %v\n%s", err, stderr)
		}
		for _, issuer := range []string{p.hydra.IssuerURL, "https://made-up.example.com/"} {
			_, stderr, code = kcExec(t, nil, authctl, "logout", "--issuer-url", issuer, "--client-id", p.clientID, "--token-cache-dir", p.cacheDir)
			if code != 1 || !strings.Contains(stderr, "error: nothing matched: no cached token for issuer "+issuer) {
				t.Fatalf("logout of %s with nothing cached: exit %d\n%s", issuer, code, stderr)
			}
		}
	})

	run("setup without a profile asks for offline_access: Hydra issues a refresh token", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tokens")
		kcRun(t, p.browserEnv(), authctl, "kubeconfig", "setup", "--issuer-url", p.hydra.IssuerURL, "--client-id", p.clientID,
			"--scope", "email,"+p.groupsScope, "--certificate-authority", p.caFile, "--kubeconfig", p.clusterKC, "--cluster", "e2e",
			"--context-name", "no-profile", "--user-name", "no-profile", "--listen", "127.0.0.1:0", "--browser-command", p.self, "--token-cache-dir", dir)
		files := kcCacheFiles(t, dir)
		if len(files) != 1 || kcReadEntry(t, files[0]).RefreshToken == "" {
			t.Fatalf("no refresh token cached after setup without a profile: %v", files)
		}
		kcExpireDir(t, dir)
		before, launches := p.refreshes(), p.e.launches()
		out, stderr, err := p.e.kubectl(false, p.admin, "--context", "no-profile", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if err != nil || out != "oidc:admin@example.com" {
			t.Fatalf("whoami after expiry: %q %v\n%s", out, err, stderr)
		}
		if p.refreshes()-before != 1 || p.e.launches() != launches {
			t.Fatalf("want one refresh and no browser: %d refreshes, %d launches", p.refreshes()-before, p.e.launches()-launches)
		}
	})

	run("--force-refresh gets a new token from Hydra; -v output has no token", func(t *testing.T) {
		kcRun(t, nil, authctl, "logout", "--all", "--token-cache-dir", p.cacheDir)
		p.e.whoami(true, p.admin)
		old := kcReadEntry(t, p.e.cacheEntry())
		before := p.refreshes()
		args := append(kcExecArgs(t, p.clusterKC), "--force-refresh", "-v")
		out, stderr, code := kcExec(t, []string{kcNonInteractive}, filepath.Join(p.bin, "authctl-get-token"), args...)
		if code != 0 {
			t.Fatalf("get-token --force-refresh: exit %d\n%s", code, stderr)
		}
		var ec struct{ Status struct{ Token string } }
		if err := json.Unmarshal([]byte(out), &ec); err != nil || ec.Status.Token == "" || ec.Status.Token == old.Token {
			t.Fatalf("ExecCredential %q: the token did not change (%v)", out, err)
		}
		if got := p.refreshes() - before; got != 1 {
			t.Fatalf("%d refreshes at Hydra, want 1", got)
		}
		now := kcReadEntry(t, p.e.cacheEntry())
		if now.Token != ec.Status.Token || now.RefreshToken == old.RefreshToken {
			t.Fatal("the cache does not hold the new token and refresh token")
		}
		for _, want := range []string{"authctl: debug: --force-refresh: not using a cached token", "authctl: debug: refreshing the token", "oauth2/token: 200 OK", "saved to the disk storage"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("debug output lacks %q", want)
			}
		}
		for name, secret := range map[string]string{"old token": old.Token, "old refresh token": old.RefreshToken, "new token": now.Token, "new refresh token": now.RefreshToken} {
			if strings.Contains(stderr, secret) {
				t.Errorf("the debug output holds the %s", name)
			}
		}
		t.Logf("get-token --force-refresh -v:\n%s", stderr)
	})

	run("several --certificate-authority files are all trusted", func(t *testing.T) {
		other := e2e.WriteFile(t, t.TempDir(), "unrelated-ca.crt", stack.NewCA(t, "unrelated").CertPEM)
		dir := filepath.Join(t.TempDir(), "tokens")
		// Hydra's CA first: with one --certificate-authority kept (the
		// last), the login would not trust Hydra.
		_, stderr := kcRun(t, p.browserEnv(), authctl, p.loginArgs(dir, "--certificate-authority", p.caFile, "--certificate-authority", other)...)
		if len(kcCacheFiles(t, dir)) != 1 {
			t.Fatalf("no token cached:\n%s", stderr)
		}
	})

	run("--token-cache-storage none keeps no token (CI through kubectl)", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tokens")
		kcRun(t, nil, authctl, "kubeconfig", "setup", "--issuer-url", p.hydra.IssuerURL, "--certificate-authority", p.caFile,
			"--grant-type", "client-credentials", "--client-id", "ci", "--audience", p.clientID,
			"--kubeconfig", p.clusterKC, "--cluster", "e2e", "--context-name", "ci-none", "--user-name", "ci-none",
			"--token-cache-dir", dir, "--token-cache-storage", "none", "--no-login")
		for range 2 {
			out, stderr, err := p.e.kubectl(false, []string{kubeconfig.ClientSecretEnv + "=ci-secret-0123456789abcdef"},
				"--context", "ci-none", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
			if err != nil || out != "oidc:client:ci" {
				t.Fatalf("ci whoami = %q, %v\n%s", out, err, stderr)
			}
		}
		if files := kcCacheFiles(t, dir); len(files) != 0 {
			t.Fatalf("tokens stored: %v", files)
		}
	})

	run("keyring: probed before the browser opens, disk with a note when unavailable", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tokens")
		// No session bus: the Secret Service keyring cannot be reached,
		// as on a headless host.
		env := p.browserEnv("DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(t.TempDir(), "no-bus"))
		_, stderr := kcRun(t, env, authctl, p.loginArgs(dir, "--certificate-authority", p.caFile, "--token-cache-storage", "keyring")...)
		note, opened := strings.Index(stderr, "the OS keyring is not available"), strings.Index(stderr, "opening the browser")
		if note < 0 || opened < 0 || note > opened {
			t.Fatalf("want the keyring note before the browser opens:\n%s", stderr)
		}
		files := kcCacheFiles(t, dir)
		if len(files) != 1 || kcReadEntry(t, files[0]).Token == "" {
			t.Fatalf("the token of the login is not on disk: %v", files)
		}
	})

	run("the callback page shows the result of the code exchange", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tokens")
		page := filepath.Join(t.TempDir(), "page.html")
		_, loginStderr := kcRun(t, p.browserEnv(stack.BrowserPageLog+"="+page), authctl, p.loginArgs(dir, "--certificate-authority", p.caFile)...)
		// The browser is its own process: it may write the page it got
		// just after the plugin, which answered it, has exited.
		var b []byte
		var err error
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if b, err = os.ReadFile(page); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil || !strings.Contains(string(b), "authctl is logged in as admin@example.com") {
			t.Fatalf("callback page: %v\n%s\nthe login's stderr:\n%s", err, b, loginStderr)
		}
	})

	run("kubeconfig migrate: a kubelogin user works with kubectl after migration", func(t *testing.T) {
		// The kubectl client also allows kubelogin's redirect URI
		// (http://localhost:PORT, no path), as a client set up for
		// kubelogin does; the API server accepts this client's tokens.
		port := stack.FreePort(t)
		uris := append(kubeconfig.RedirectURIs("127.0.0.1", p.redirectPorts), fmt.Sprintf("http://localhost:%d", port))
		if _, err := setup.RegisterClient(context.Background(), p.hydra.HTTPClient, p.hydra.AdminURL, setup.KubectlClient(p.clientID, uris, p.groupsScope)); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "tokens")
		kc := filepath.Join(t.TempDir(), "kubeconfig")
		b, err := os.ReadFile(p.adminKC)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(kc, b, 0o600); err != nil {
			t.Fatal(err)
		}
		// The user as `kubectl oidc-login setup` tells people to write it,
		// written by real kubectl.
		set := []string{"--kubeconfig", kc, "config", "set-credentials", "kubelogin", "--exec-api-version=client.authentication.k8s.io/v1beta1",
			"--exec-command=kubectl", "--exec-arg=oidc-login", "--exec-arg=get-token"}
		for _, a := range []string{"--oidc-issuer-url=" + p.hydra.IssuerURL, "--oidc-client-id=" + p.clientID, "--oidc-extra-scope=email",
			"--oidc-extra-scope=" + p.groupsScope, "--oidc-extra-scope=offline_access", "--certificate-authority=" + p.caFile,
			fmt.Sprintf("--listen-address=127.0.0.1:%d", port), "--token-cache-dir=" + dir, "--browser-command=" + p.self, "-v1"} {
			set = append(set, "--exec-arg="+a)
		}
		kcRun(t, nil, "kubectl", set...)
		kcRun(t, nil, "kubectl", "--kubeconfig", kc, "config", "set-context", "kubelogin", "--cluster", "e2e", "--user", "kubelogin")
		before, _ := os.ReadFile(kc)
		diff, notes := kcRun(t, nil, authctl, "kubeconfig", "migrate", "--kubeconfig", kc, "--dry-run")
		if after, _ := os.ReadFile(kc); !bytes.Equal(before, after) || !strings.Contains(diff, "+      command: authctl-get-token") {
			t.Fatalf("dry run changed the file or printed no diff:\n%s\n%s", diff, notes)
		}
		t.Logf("kubeconfig migrate --dry-run:\n%s%s", diff, notes)
		kcRun(t, nil, authctl, "kubeconfig", "migrate", "--kubeconfig", kc)
		out, stderr, err := (&kcEnv{t: t, kubeconfig: kc, env: p.e.env}).kubectl(true, p.admin, "--context", "kubelogin", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if err != nil || out != "oidc:admin@example.com" {
			t.Fatalf("kubectl with the migrated user: %q %v\n%s", out, err, stderr)
		}
		// kubelogin's own flag names, as the file had them, name the same
		// login: authctl-get-token answers from the token the migrated user
		// cached, and refreshes it at Hydra on --force-refresh.
		var theirs []string
		for _, a := range set[9:] {
			theirs = append(theirs, strings.TrimPrefix(a, "--exec-arg="))
		}
		for _, extra := range [][]string{nil, {"--force-refresh"}} {
			before := p.refreshes()
			out, stderr, code := kcExec(t, []string{kcNonInteractive}, filepath.Join(p.bin, "authctl-get-token"), append(theirs, extra...)...)
			if code != 0 || !strings.Contains(out, `"token":"ey`) {
				t.Fatalf("authctl-get-token with kubelogin's flags %q: exit %d\n%s", extra, code, stderr)
			}
			if want := len(extra); p.refreshes()-before != want {
				t.Fatalf("kubelogin's flags %q: %d refreshes, want %d", extra, p.refreshes()-before, want)
			}
		}
		// Everything else in the file is kept: the admin's client
		// certificate still works.
		if out, stderr := kcRun(t, nil, "kubectl", "--kubeconfig", kc, "--context", "e2e", "auth", "can-i", "delete", "nodes"); strings.TrimSpace(out) != "yes" {
			t.Fatalf("the admin context no longer works: %q %s", out, stderr)
		}
	})
}
