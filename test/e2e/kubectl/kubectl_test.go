package kubectl_test

// The kubectl login end to end (issue 6): real Hydra over TLS, real Kratos,
// the real token hook (`authctl serve token-hook`), a real kube-apiserver
// started with the rendered AuthenticationConfiguration and ClusterRoleBindings,
// and real kubectl using the kubeconfig `authctl kubeconfig setup` wrote.
//
// The Kratos self-service UI (a Node app) is not part of the harness, so the
// scripted browser below plays it, honestly and only it: when Hydra sends the
// browser to the UI's /login it starts Kratos' real browser login flow with
// the login_challenge and submits the password form to Kratos (Kratos then
// accepts the Hydra login itself, subject = identity id); when Hydra sends it
// to the UI's /consent it accepts the consent the way the UI does, granting
// the requested scopes and adding no claims. email and groups in the id_token
// therefore come only from the token hook. Everything else is a real HTTP
// redirect followed by the scripted browser.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
	"github.com/authctl/authctl/pkg/kubeconfig/setup"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/serve/tokenhook"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// The scripted browser lives in the harness (stack.RunBrowserIfAsked);
// these are its environment names.
const (
	kcBrowserEnv  = stack.BrowserEnv
	kcEmailEnv    = stack.BrowserEmailEnv
	kcPasswordEnv = stack.BrowserPasswordEnv
	kcKratosEnv   = stack.BrowserKratosEnv
	kcHydraEnv    = stack.BrowserHydraEnv
	kcCAEnv       = stack.BrowserCAEnv
	kcLaunchLog   = stack.BrowserLaunchLog
	kcUIHost      = stack.BrowserUIHost
)

// init turns this test binary into the scripted browser when kubectl's
// exec plugin launches it with --browser-command.
func init() { stack.RunBrowserIfAsked() }

type kcEnv struct {
	t          *testing.T
	bin        string
	kubeconfig string
	cacheDir   string
	launchLog  string
	env        []string
}

// kubectl runs real kubectl; with tty its stdin is a terminal.
func (e *kcEnv) kubectl(tty bool, extraEnv []string, args ...string) (string, string, error) {
	e.t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", e.kubeconfig}, args...)...)
	cmd.Env = append(append(os.Environ(), e.env...), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if tty {
		cmd.Stdin = e2e.PTY(e.t)
	}
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func (e *kcEnv) launches() int {
	b, _ := os.ReadFile(e.launchLog)
	return strings.Count(string(b), "\n")
}

func (e *kcEnv) whoami(tty bool, extraEnv []string) (string, []string, string) {
	e.t.Helper()
	out, stderr, err := e.kubectl(tty, extraEnv, "auth", "whoami", "-o", "json")
	if err != nil {
		claims := "(no cache entry)"
		if m, _ := filepath.Glob(filepath.Join(e.cacheDir, "*.json")); len(m) == 1 {
			var ts kubeconfig.TokenSet
			b, _ := os.ReadFile(m[0])
			_ = json.Unmarshal(b, &ts)
			if d, err := login.Decode(ts.Token); err == nil {
				claims = e2e.MustJSON(e.t, d.Claims)
			}
		}
		e.t.Fatalf("kubectl auth whoami: %v\n%s\ncached token claims: %s", err, stderr, claims)
	}
	user, groups := e2e.WhoAmI(e.t, out)
	return user, groups, stderr
}

// kcCacheEntry returns the single cache entry file.
func (e *kcEnv) cacheEntry() string {
	e.t.Helper()
	m, _ := filepath.Glob(filepath.Join(e.cacheDir, "*.json"))
	if len(m) != 1 {
		e.t.Fatalf("want one cache entry in %s, got %v", e.cacheDir, m)
	}
	return m[0]
}

// expire rewrites the cached entry's expiry into the past, which is what
// the plugin sees once the id_token's lifetime is over (the token itself
// stays as the issuer signed it; only the plugin's view changes).
func (e *kcEnv) expire() kubeconfig.TokenSet {
	e.t.Helper()
	p := e.cacheEntry()
	var ts kubeconfig.TokenSet
	b, _ := os.ReadFile(p)
	if err := json.Unmarshal(b, &ts); err != nil {
		e.t.Fatal(err)
	}
	old := ts
	ts.Expiry = time.Now().Add(-time.Minute)
	b, _ = json.Marshal(ts)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return old
}

// kcCreateIdentity creates a verified identity in one group; managed ones
// carry authctl's marker, so that bootstrap may deactivate and prune them.
func kcCreateIdentity(t *testing.T, k *stack.Kratos, email, password, group string, managed bool) {
	t.Helper()
	admin := map[string]any{}
	if managed {
		admin["managed_by"] = "authctl"
	}
	body, _ := json.Marshal(map[string]any{
		"metadata_admin":  admin,
		"schema_id":       "default",
		"traits":          map[string]any{"email": email},
		"metadata_public": map[string]any{"groups": []string{group}},
		"credentials":     map[string]any{"password": map[string]any{"config": map[string]any{"password": password}}},
		"verifiable_addresses": []any{map[string]any{
			"value": email, "verified": true, "via": "email", "status": "completed",
		}},
	})
	resp, err := k.HTTPClient.Post(k.AdminURL+"admin/identities", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create identity %s: HTTP %d: %s", email, resp.StatusCode, b)
	}
}

func kcRun(t *testing.T, env []string, name string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}

func TestKubectlOIDCLogin(t *testing.T) {
	stack.Require(t)
	bin := e2e.BuildPlugin(t)
	// The binaries under test come first on PATH, as after `go install`:
	// setup writes the plugin by name and kubectl finds it through PATH.
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	profileFile := e2e.InRepo("examples/minimal.yaml")

	// Render the profile with group → ClusterRole bindings.
	p, err := profile.Load(profileFile)
	if err != nil {
		t.Fatal(err)
	}
	p.Spec.Kubernetes.RoleBindings = []profile.RoleBinding{{Group: "admins", ClusterRole: "cluster-admin"}, {Group: "viewers", ClusterRole: "view"}}
	p.Resolve() // Spec changed after Load
	r := e2e.RenderProfile(t, "minimal+rolebindings", p)
	sf := r.Secrets
	w := p.Wiring()

	// Hydra (TLS) with the rendered config. Loopback rewrites: the token
	// hook URL (an in-cluster Service) → the hook started below; the cookie
	// domain (dev.example.com) is dropped so cookies stick to 127.0.0.1.
	hookPort := stack.FreePort(t)
	hookURL := fmt.Sprintf("http://127.0.0.1:%d/token-hook", hookPort)
	hydraCfg := e2e.HydraConfig(t, r)
	if got := e2e.Get(hydraCfg, "oauth2.token_hook.url"); got != w.TokenHookURL {
		t.Fatalf("rendered oauth2.token_hook.url = %v, want %s", got, w.TokenHookURL)
	}
	if got := e2e.MustJSON(t, e2e.Get(hydraCfg, "oauth2.token_hook.auth")); got != `{"config":{"in":"header","name":"X-Authctl-Hook-Key","value":""},"type":"api_key"}` {
		t.Fatalf("rendered oauth2.token_hook.auth = %s", got)
	}
	e2e.Set(hydraCfg, "oauth2.token_hook.url", hookURL)
	delete(e2e.Get(hydraCfg, "serve.cookies").(map[string]any), "domain")
	// The key reaches Hydra as the rendered Deployment passes it: the
	// environment variable from the Hydra Secret, over the config's empty
	// value.
	hookKey := sf.Hydra.TokenHookKey
	hydra := stack.StartHydra(t, stack.HydraOptions{Config: hydraCfg, Env: []string{render.TokenHookKeyEnv + "=" + hookKey}})
	e2e.LogRewrites(t, "hydra", append(e2e.HydraRewrites, "oauth2.token_hook.url: in-cluster Service -> 127.0.0.1 hook", "serve.cookies.domain: dropped (loopback)"), hydra.Rewrites())
	caFile := e2e.WriteFile(t, t.TempDir(), "hydra-ca.crt", hydra.CAPEM)

	// Kratos with the rendered config, accepting Hydra logins through its
	// admin API (oauth2_provider.url), trusting Hydra's CA.
	t.Setenv("SSL_CERT_FILE", caFile)
	// --dev: Kratos serves plain HTTP on loopback, so its cookies must not
	// be Secure for the scripted browser to send them back.
	kcfg := e2e.KratosConfig(t, r)
	e2e.Set(kcfg, "oauth2_provider.url", strings.TrimSuffix(hydra.AdminURL, "/"))
	delete(e2e.Get(kcfg, "cookies").(map[string]any), "domain")
	if sc, ok := e2e.Get(kcfg, "session.cookie").(map[string]any); ok {
		delete(sc, "domain")
	}
	kratos, err := stack.TryStartKratos(t, stack.KratosOptions{Config: kcfg, Dev: true})
	if err != nil {
		t.Fatalf("real Kratos rejected the rendered config: %v", err)
	}
	e2e.LogRewrites(t, "kratos", append(e2e.KratosRewrites, "oauth2_provider.url: in-cluster Hydra admin -> harness Hydra admin", "cookies.domain, session.cookie.domain: dropped (loopback)"), kratos.Rewrites())
	const password = "Kc-e2e-correct-horse-7Q!x"
	kcCreateIdentity(t, kratos, "admin@example.com", password, "admins", false)
	kcCreateIdentity(t, kratos, "viewer@example.com", password, "viewers", false)
	// Leavers: two managed by authctl bootstrap (deactivated, deleted by
	// prune), one deactivated straight through the Kratos admin API.
	kcCreateIdentity(t, kratos, "leaver@example.com", password, "admins", true)
	kcCreateIdentity(t, kratos, "deleted@example.com", password, "admins", true)
	kcCreateIdentity(t, kratos, "direct@example.com", password, "admins", false)
	kcCreateIdentity(t, kratos, "offboarded@example.com", password, "admins", false)

	// The real token hook, as the rendered Deployment runs it.
	hookLog := &e2e.SyncBuffer{}
	hook := exec.Command(filepath.Join(bin, "authctl"), "serve", "token-hook",
		fmt.Sprintf("--listen=127.0.0.1:%d", hookPort), "--kratos-admin-url="+kratos.AdminURL,
		"--email-field="+p.Spec.Kubernetes.Claims.Email, "--groups-field="+p.Spec.Kubernetes.Claims.Groups,
		"--groups-scope="+p.Spec.Kubernetes.Claims.GroupsScope)
	hook.Env = append(os.Environ(), tokenhook.APIKeyEnv+"="+hookKey)
	hook.Stdout, hook.Stderr = hookLog, hookLog
	if err := hook.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hook.Process.Signal(syscall.SIGTERM); _ = hook.Wait() })
	refreshes := func() int { return strings.Count(hookLog.String(), `"grant_types":["refresh_token"]`) }

	// kube-apiserver with the rendered AuthenticationConfiguration. Loopback
	// rewrites: issuer.url → the harness Hydra, plus its CA.
	authn := r.ConfigMapData(t, p.Metadata.Name+"-kube-apiserver-oidc")["authentication-config.yaml"]
	var ac map[string]any
	if err := yaml.Unmarshal([]byte(authn), &ac); err != nil {
		t.Fatal(err)
	}
	issuer := ac["jwt"].([]any)[0].(map[string]any)["issuer"].(map[string]any)
	issuer["url"] = hydra.IssuerURL
	issuer["certificateAuthority"] = string(hydra.CAPEM)
	acYAML, _ := yaml.Marshal(ac)
	t.Logf("kube-apiserver AuthenticationConfiguration (rendered; issuer.url and certificateAuthority rewritten for loopback):\n%s", acYAML)
	kube := stack.StartKubeAPIServer(t, stack.KubeOptions{AuthenticationConfig: acYAML})

	// The rendered ClusterRoleBindings, applied as the admin.
	var crbs []string
	for _, o := range r.Res.Objects {
		if o.Kind == "ClusterRoleBinding" {
			crbs = append(crbs, string(o.YAML))
		}
	}
	if len(crbs) != 2 {
		t.Fatalf("want 2 rendered ClusterRoleBindings, got %d", len(crbs))
	}
	crbFile := e2e.WriteFile(t, t.TempDir(), "crbs.yaml", []byte(strings.Join(crbs, "---\n")))
	kcRun(t, nil, "kubectl", "--kubeconfig", kube.KubeconfigPath, "apply", "-f", crbFile)

	// A CI identity: a confidential client with JWT access tokens for the
	// API server's audience.
	hydra.CreateClient(t, map[string]any{
		"client_id": "ci", "client_secret": "ci-secret-0123456789abcdef", "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_post", "audience": []string{p.Spec.Kubernetes.ClientID},
		"access_token_strategy": "jwt",
	})
	// The JWT authenticator initialises lazily (~10 s): wait for it with a
	// CI token, which needs no browser.
	ciToken := hydra.ClientCredentialsToken(t, "ci", "ci-secret-0123456789abcdef", p.Spec.Kubernetes.ClientID)
	clusterKC := kube.ClusterKubeconfig(t)
	kcWaitForOIDC(t, clusterKC, ciToken, 90*time.Second)

	// authctl kubeconfig setup: registers the kubectl client and writes the
	// user and context. --listen 127.0.0.1:0 proves that Hydra ignores the
	// port of an IP-literal loopback redirect (registered: 18000, 18001).
	cacheDir := filepath.Join(t.TempDir(), "tokens")
	launchLog := filepath.Join(t.TempDir(), "launches.log")
	self, _ := os.Executable()
	_, setupErr := kcRun(t, nil, filepath.Join(bin, "authctl"), "kubeconfig", "setup", "-f", profileFile,
		"--hydra-admin-url", hydra.AdminURL, "--hydra-admin-certificate-authority", caFile,
		"--issuer-url", hydra.IssuerURL, "--certificate-authority", caFile,
		"--kubeconfig", clusterKC, "--cluster", "e2e", "--set-current-context",
		"--listen", "127.0.0.1:0", "--browser-command", self, "--token-cache-dir", cacheDir, "--no-login")
	t.Logf("kubeconfig setup: %s", setupErr)
	kcData, _ := os.ReadFile(clusterKC)
	for _, want := range []string{"interactiveMode: IfAvailable", "apiVersion: client.authentication.k8s.io/v1", "command: authctl-get-token\n"} {
		if !strings.Contains(string(kcData), want) {
			t.Fatalf("kubeconfig lacks %q:\n%s", want, kcData)
		}
	}
	e := &kcEnv{t: t, bin: bin, kubeconfig: clusterKC, cacheDir: cacheDir, launchLog: launchLog, env: []string{
		kcBrowserEnv + "=1", kcKratosEnv + "=" + kratos.PublicURL, kcHydraEnv + "=" + hydra.AdminURL,
		kcCAEnv + "=" + caFile, kcLaunchLog + "=" + launchLog, kcUIHost + "=" + w.AuthHost,
		kcPasswordEnv + "=" + password,
	}}
	admin := []string{kcEmailEnv + "=admin@example.com"}
	viewer := []string{kcEmailEnv + "=viewer@example.com"}

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("token hook log:\n%s", hookLog.String())
		}
	})
	run := func(name string, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()
			fn(t)
		})
	}
	run("non-interactive never opens the browser", func(t *testing.T) {
		_, stderr, err := e.kubectl(false, admin, "auth", "whoami")
		if err == nil {
			t.Fatal("kubectl succeeded without a token")
		}
		if !strings.Contains(stderr, "authentication required") || !strings.Contains(stderr, "authctl login") {
			t.Fatalf("stderr lacks the reason and hint:\n%s", stderr)
		}
		if n := e.launches(); n != 0 {
			t.Fatalf("browser launched %d times", n)
		}
	})

	run("admin logs in through the browser", func(t *testing.T) {
		user, groups, stderr := e.whoami(true, admin)
		t.Logf("plugin stderr:\n%s", stderr)
		if user != "oidc:admin@example.com" || !slices.Contains(groups, "oidc:admins") {
			t.Fatalf("whoami = %s %v, want oidc:admin@example.com with oidc:admins", user, groups)
		}
		if n := e.launches(); n != 1 {
			t.Fatalf("browser launched %d times, want 1", n)
		}
		fi, _ := os.Stat(e.cacheEntry())
		di, _ := os.Stat(cacheDir)
		if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
			t.Fatalf("cache modes %v %v, want 0600 in 0700", fi.Mode().Perm(), di.Mode().Perm())
		}
	})

	run("cache hit opens no browser", func(t *testing.T) {
		start := time.Now()
		if user, _, _ := e.whoami(true, admin); user != "oidc:admin@example.com" {
			t.Fatalf("whoami = %s", user)
		}
		t.Logf("kubectl auth whoami on a cache hit: %s", time.Since(start))
		if n := e.launches(); n != 1 {
			t.Fatalf("browser launched %d times, want 1", n)
		}
	})

	run("admin creates and deletes a ConfigMap", func(t *testing.T) {
		if _, stderr, err := e.kubectl(false, admin, "create", "configmap", "kc-e2e", "--from-literal=a=b", "-n", "default"); err != nil {
			t.Fatalf("create: %v\n%s", err, stderr)
		}
		if _, stderr, err := e.kubectl(false, admin, "delete", "configmap", "kc-e2e", "-n", "default"); err != nil {
			t.Fatalf("delete: %v\n%s", err, stderr)
		}
		if _, stderr, err := e.kubectl(false, admin, "create", "configmap", "kc-e2e-keep", "--from-literal=a=b", "-n", "default"); err != nil {
			t.Fatalf("create: %v\n%s", err, stderr)
		}
	})

	run("expiry refreshes without a browser", func(t *testing.T) {
		before := refreshes()
		old := e.expire()
		if user, _, _ := e.whoami(false, admin); user != "oidc:admin@example.com" {
			t.Fatalf("whoami = %s", user)
		}
		if n := e.launches(); n != 1 {
			t.Fatalf("browser launched %d times, want 1", n)
		}
		if got := refreshes() - before; got != 1 {
			t.Fatalf("%d refreshes, want 1", got)
		}
		var now kubeconfig.TokenSet
		b, _ := os.ReadFile(e.cacheEntry())
		_ = json.Unmarshal(b, &now)
		if now.Token == old.Token || now.RefreshToken == old.RefreshToken {
			t.Fatal("the cached token did not change on refresh")
		}
	})

	run("50 parallel get-token calls on an expired token refresh once", func(t *testing.T) {
		before := refreshes()
		old := e.expire()
		args := kcExecArgs(t, clusterKC)
		var wg sync.WaitGroup
		tokens := make([]string, 50)
		errs := make([]error, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(filepath.Join(bin, "authctl-get-token"), args...)
				cmd.Env = append(os.Environ(), kubeconfig.ExecInfoEnv+`={"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"interactive":false}}`)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					errs[i] = fmt.Errorf("%v: %s", err, stderr.String())
					return
				}
				var ec struct {
					APIVersion string                 `json:"apiVersion"`
					Status     struct{ Token string } `json:"status"`
				}
				if err := json.Unmarshal(out, &ec); err != nil || ec.APIVersion != kubeconfig.ExecAPIv1beta1 {
					errs[i] = fmt.Errorf("bad ExecCredential %q: %v", out, err)
				}
				tokens[i] = ec.Status.Token
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		for i := range tokens {
			if tokens[i] != tokens[0] || tokens[i] == old.Token {
				t.Fatalf("call %d got a different or stale token", i)
			}
		}
		if got := refreshes() - before; got != 1 {
			t.Fatalf("%d refreshes for 50 parallel calls, want exactly 1", got)
		}
		if n := e.launches(); n != 1 {
			t.Fatalf("browser launched %d times, want 1", n)
		}
	})

	run("viewer is forbidden to delete", func(t *testing.T) {
		kcRun(t, nil, filepath.Join(bin, "authctl"), "logout", "--all", "--token-cache-dir", cacheDir)
		user, groups, _ := e.whoami(true, viewer)
		if user != "oidc:viewer@example.com" || !slices.Contains(groups, "oidc:viewers") {
			t.Fatalf("whoami = %s %v", user, groups)
		}
		// (No read check: the harness runs no kube-controller-manager, so
		// the aggregated ClusterRole view has no rules here.)
		_, stderr, err := e.kubectl(false, viewer, "delete", "configmap", "kc-e2e-keep", "-n", "default")
		if err == nil || !strings.Contains(stderr, "Forbidden") && !strings.Contains(stderr, "forbidden") {
			t.Fatalf("viewer delete: err=%v\n%s", err, stderr)
		}
	})

	run("client credentials CI identity through the plugin", func(t *testing.T) {
		kcRun(t, nil, filepath.Join(bin, "authctl"), "kubeconfig", "setup", "-f", profileFile,
			"--issuer-url", hydra.IssuerURL, "--certificate-authority", caFile,
			"--grant-type", "client-credentials", "--client-id", "ci", "--audience", p.Spec.Kubernetes.ClientID,
			"--kubeconfig", clusterKC, "--cluster", "e2e", "--context-name", "ci", "--user-name", "ci",
			"--token-cache-dir", cacheDir, "--no-login")
		out, stderr, err := e.kubectl(false, []string{kubeconfig.ClientSecretEnv + "=ci-secret-0123456789abcdef"},
			"--context", "ci", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if err != nil || out != "oidc:client:ci" {
			t.Fatalf("ci whoami = %q, %v\n%s", out, err, stderr)
		}
	})

	// --- The token hook trusts only Hydra (issue 11). ---
	run("the hook answers 401 without Hydra's key", func(t *testing.T) {
		adminID := kcIdentityID(t, kratos, "admin@example.com")
		body := fmt.Sprintf(`{"session":{"id_token":{"subject":%q}},"request":{"client_id":"not-hydra-probe","granted_scopes":["openid","email","groups"],"grant_types":["refresh_token"]}}`, adminID)
		for name, key := range map[string]string{"no key": "", "wrong key": hookKey[:len(hookKey)-1] + "x"} {
			req, _ := http.NewRequest(http.MethodPost, hookURL, strings.NewReader(body))
			if key != "" {
				req.Header.Set(tokenhook.APIKeyHeader, key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(b), "admin@example.com") || strings.Contains(string(b), "admins") {
				t.Fatalf("%s: HTTP %d %s, want a bare 401", name, resp.StatusCode, b)
			}
		}
		// The same request with Hydra's key is answered: the 401 is the key.
		req, _ := http.NewRequest(http.MethodPost, hookURL, strings.NewReader(body))
		req.Header.Set(tokenhook.APIKeyHeader, hookKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("with the key: HTTP %d", resp.StatusCode)
		}
	})

	// What the real Hydra v2.3.0 sends the hook, from the hook's own log of
	// the admin's login (code exchange) and refreshes above.
	run("what Hydra sends on code exchange and refresh", func(t *testing.T) {
		var code, refresh int
		for _, l := range kcHookLines(t, hookLog.String()) {
			if l["msg"] != "token hook: claims added" || l["client_id"] != p.Spec.Kubernetes.ClientID {
				continue
			}
			grants := fmt.Sprint(l["grant_types"])
			req, granted := fmt.Sprint(l["requested_scopes"]), fmt.Sprint(l["granted_scopes"])
			t.Logf("Hydra sent grant_types=%s requested_scopes=%s granted_scopes=%s", grants, req, granted)
			switch grants {
			case "[authorization_code]":
				code++
				if granted != "[]" && granted != "<nil>" || req != "[openid offline_access email groups]" {
					t.Errorf("code exchange: requested %s granted %s, want the authorization request's scopes and no granted ones", req, granted)
				}
			case "[refresh_token]":
				refresh++
				if granted != "[openid offline_access email groups]" {
					t.Errorf("refresh: granted %s, want the consented scopes", granted)
				}
			}
		}
		if code == 0 || refresh == 0 {
			t.Fatalf("saw %d code exchanges and %d refreshes in the hook log", code, refresh)
		}
	})

	// --- Claims follow scopes (issue 11). ---
	run("a client without the groups scope gets no groups, on login and refresh", func(t *testing.T) {
		noGroups := setup.KubectlClient("kubectl-no-groups", kubeconfig.RedirectURIs("127.0.0.1", p.Spec.Kubernetes.RedirectPorts), "")
		noGroups["scope"] = "openid offline_access email"
		hydra.CreateClient(t, noGroups)
		dir := filepath.Join(t.TempDir(), "tokens")
		args := []string{"--issuer-url", hydra.IssuerURL, "--certificate-authority", caFile, "--scope", "offline_access,email",
			"--listen", "127.0.0.1:0", "--browser-command", self, "--token-cache-dir", dir}
		env := append(append([]string{}, e.env...), admin...)
		kcRun(t, env, filepath.Join(bin, "authctl"), append([]string{"login", "--client-id", "kubectl-no-groups"}, args...)...)
		claims := kcCachedClaims(t, dir)
		if _, ok := claims["groups"]; ok || claims["email"] != "admin@example.com" {
			t.Fatalf("id_token of a client without the groups scope (code exchange): %v", claims)
		}
		kcExpireDir(t, dir)
		kcRun(t, append(env, kubeconfig.ExecInfoEnv+`={"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`),
			filepath.Join(bin, "authctl"), append([]string{"get-token", "--client-id", "kubectl-no-groups"}, args...)...)
		claims = kcCachedClaims(t, dir)
		if _, ok := claims["groups"]; ok || claims["email"] != "admin@example.com" {
			t.Fatalf("id_token of a client without the groups scope (refresh): %v", claims)
		}
		// The kubectl client asks for groups and gets them (whoami above
		// showed oidc:admins after a login and after refreshes).
		kcRun(t, env, filepath.Join(bin, "authctl"), append([]string{"login", "--client-id", p.Spec.Kubernetes.ClientID, "--scope", "groups"}, args...)...)
		for _, f := range kcCacheFiles(t, dir) {
			if c := kcClaimsOf(t, f); c["aud"] == p.Spec.Kubernetes.ClientID || fmt.Sprint(c["aud"]) == "["+p.Spec.Kubernetes.ClientID+"]" {
				if fmt.Sprint(c["groups"]) != "[admins]" {
					t.Fatalf("kubectl client with the groups scope: %v", c)
				}
				return
			}
		}
		t.Fatal("no kubectl token cached")
	})

	// --- kubelogin parity (issue 22), after the hook log was read for
	// the kubectl client's scopes: these logins ask for other scopes. ---
	kcParity{
		bin: bin, caFile: caFile, clusterKC: clusterKC, cacheDir: cacheDir, self: self, adminKC: kube.KubeconfigPath,
		clientID: p.Spec.Kubernetes.ClientID, groupsScope: p.Spec.Kubernetes.Claims.GroupsScope, redirectPorts: p.Spec.Kubernetes.RedirectPorts,
		hydra: hydra, e: e, admin: admin, refreshes: refreshes,
	}.run(run)

	// --- Offboarding (issue 11). ---
	loginAs := func(t *testing.T, email string) []string {
		t.Helper()
		kcRun(t, nil, filepath.Join(bin, "authctl"), "logout", "--all", "--token-cache-dir", cacheDir)
		who := []string{kcEmailEnv + "=" + email}
		user, groups, _ := e.whoami(true, who)
		if user != "oidc:"+email || !slices.Contains(groups, "oidc:admins") {
			t.Fatalf("whoami = %s %v", user, groups)
		}
		// cluster-admin through the group.
		if _, stderr, err := e.kubectl(false, who, "auth", "can-i", "delete", "nodes"); err != nil {
			t.Fatalf("%s is not cluster-admin: %v\n%s", email, err, stderr)
		}
		return who
	}
	// refreshFails: once the cached id_token expires, the refresh fails and
	// a non-interactive kubectl gets the plugin's exit code 4, without a
	// browser.
	refreshFails := func(t *testing.T, who []string) string {
		t.Helper()
		launches := e.launches()
		e.expire()
		_, stderr, err := e.kubectl(false, who, "auth", "whoami")
		if err == nil {
			t.Fatal("kubectl auth whoami still works after offboarding")
		}
		if !strings.Contains(stderr, "exit code 4") || !strings.Contains(stderr, "could not refresh the token") {
			t.Fatalf("want the plugin's exit code 4 after a failed refresh:\n%s", stderr)
		}
		if e.launches() != launches {
			t.Fatal("a browser was opened")
		}
		t.Logf("kubectl after offboarding:\n%s", stderr)
		return stderr
	}
	bootstrap := func(t *testing.T, identities string, extra ...string) {
		t.Helper()
		in := e2e.WriteFile(t, t.TempDir(), "identities.yaml", []byte(identities))
		kcRun(t, nil, filepath.Join(bin, "authctl"), append([]string{"bootstrap", "--identities", in,
			"--kratos-admin-url", kratos.AdminURL, "--hydra-admin-url", hydra.AdminURL, "--ca-file", caFile, "-o", "json"}, extra...)...)
	}
	run("offboarding: deactivated through bootstrap", func(t *testing.T) {
		who := loginAs(t, "leaver@example.com")
		id := kcIdentityID(t, kratos, "leaver@example.com")
		if n := kcCount(t, kratos.HTTPClient, kratos.AdminURL+"admin/identities/"+id+"/sessions"); n == 0 {
			t.Fatal("the login left no Kratos session to end")
		}
		bootstrap(t, "- {traits: {email: leaver@example.com}, metadata_public: {groups: [admins]}, state: inactive}\n")
		if n := kcCount(t, kratos.HTTPClient, kratos.AdminURL+"admin/identities/"+id+"/sessions"); n != 0 {
			t.Fatalf("%d Kratos sessions survive the deactivation", n)
		}
		if n := kcCount(t, hydra.HTTPClient, hydra.AdminURL+"admin/oauth2/auth/sessions/consent?subject="+url.QueryEscape(id)); n != 0 {
			t.Fatalf("%d Hydra consent sessions survive the deactivation", n)
		}
		stderr := refreshFails(t, who)
		if !strings.Contains(stderr, "invalid_grant") && !strings.Contains(stderr, "access_denied") {
			t.Fatalf("the refresh did not fail at the issuer:\n%s", stderr)
		}
	})
	run("offboarding: deleted through bootstrap --prune", func(t *testing.T) {
		who := loginAs(t, "deleted@example.com")
		id := kcIdentityID(t, kratos, "deleted@example.com")
		bootstrap(t, "- {traits: {email: leaver@example.com}, metadata_public: {groups: [admins]}, state: inactive}\n", "--prune")
		if resp, err := kratos.HTTPClient.Get(kratos.AdminURL + "admin/identities/" + id); err != nil || resp.StatusCode != http.StatusNotFound {
			t.Fatalf("the pruned identity still exists: %v %v", resp, err)
		}
		if n := kcCount(t, hydra.HTTPClient, hydra.AdminURL+"admin/oauth2/auth/sessions/consent?subject="+url.QueryEscape(id)); n != 0 {
			t.Fatalf("%d Hydra consent sessions survive the deletion", n)
		}
		refreshFails(t, who)
	})
	run("offboarding: authctl offboard", func(t *testing.T) {
		who := loginAs(t, "offboarded@example.com")
		id := kcIdentityID(t, kratos, "offboarded@example.com")
		out, _ := kcRun(t, nil, filepath.Join(bin, "authctl"), "offboard", "Offboarded@example.com",
			"--kratos-admin-url", kratos.AdminURL, "--hydra-admin-url", hydra.AdminURL, "--ca-file", caFile, "-o", "json")
		if !strings.Contains(out, `"action": "deactivated"`) || !strings.Contains(out, id) {
			t.Fatalf("offboard output: %s", out)
		}
		var ident struct{ State string }
		resp, err := kratos.HTTPClient.Get(kratos.AdminURL + "admin/identities/" + id)
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&ident)
		resp.Body.Close()
		if ident.State != "inactive" {
			t.Fatalf("state %q after offboard", ident.State)
		}
		if n := kcCount(t, kratos.HTTPClient, kratos.AdminURL+"admin/identities/"+id+"/sessions"); n != 0 {
			t.Fatalf("%d Kratos sessions survive offboard", n)
		}
		if n := kcCount(t, hydra.HTTPClient, hydra.AdminURL+"admin/oauth2/auth/sessions/consent?subject="+url.QueryEscape(id)); n != 0 {
			t.Fatalf("%d Hydra consent sessions survive offboard", n)
		}
		if stderr := refreshFails(t, who); !strings.Contains(stderr, "invalid_grant") {
			t.Fatalf("the refresh token was not revoked:\n%s", stderr)
		}
		// An unknown identity is an error, never a silent success.
		cmd := exec.Command(filepath.Join(bin, "authctl"), "offboard", "nobody@example.com",
			"--kratos-admin-url", kratos.AdminURL, "--hydra-admin-url", hydra.AdminURL, "--ca-file", caFile)
		unknown, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(unknown), `no identity has the identifier "nobody@example.com"`) {
			t.Fatalf("offboard of an unknown identity: %v\n%s", err, unknown)
		}
	})
	run("offboarding: deactivated in Kratos directly, the hook refuses the refresh", func(t *testing.T) {
		who := loginAs(t, "direct@example.com")
		id := kcIdentityID(t, kratos, "direct@example.com")
		// No session is revoked here: only the token hook stands between
		// the live refresh token and a new id_token.
		patch := `[{"op":"replace","path":"/state","value":"inactive"}]`
		req, _ := http.NewRequest(http.MethodPatch, kratos.AdminURL+"admin/identities/"+id, strings.NewReader(patch))
		req.Header.Set("Content-Type", "application/json")
		resp, err := kratos.HTTPClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("deactivate in Kratos: %v %v", resp, err)
		}
		resp.Body.Close()
		stderr := refreshFails(t, who)
		denied := func() bool {
			return strings.Contains(hookLog.String(), "token hook: denied, the identity is not active")
		}
		for deadline := time.Now().Add(3 * time.Second); !denied() && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond) // the hook's log arrives through a pipe
		}
		if !strings.Contains(stderr, "access_denied") || !denied() {
			t.Fatalf("the refresh was not refused by the token hook:\n%s", stderr)
		}
	})

	// --- The plugin never hangs (issue 11). ---
	run("an abandoned login times out and a held lock is bounded", func(t *testing.T) {
		kcRun(t, nil, filepath.Join(bin, "authctl"), "logout", "--all", "--token-cache-dir", cacheDir)
		args := append(kcExecArgs(t, clusterKC), "--authentication-timeout-sec=6", "--lock-timeout=2s")
		// authctl get-token itself (the lean plugin would run it as a child),
		// so that its pid is the one the lock file names.
		abandoned := exec.Command(filepath.Join(bin, "authctl"), append([]string{"get-token"}, args...)...)
		abandoned.Env = append(append(os.Environ(), e.env...), kcBrowserEnv+"=abandon",
			kubeconfig.ExecInfoEnv+`={"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":true}}`)
		abandoned.Stdin = e2e.PTY(t)
		var abandonedErr e2e.SyncBuffer
		abandoned.Stderr = &abandonedErr
		launches := e.launches()
		start := time.Now()
		if err := abandoned.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- abandoned.Wait() }()
		for e.launches() == launches {
			if time.Since(start) > 20*time.Second {
				t.Fatalf("the browser never opened:\n%s", abandonedErr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		// A background kubectl with a refresh token cached needs the lock
		// the abandoned login holds.
		entry := ""
		for deadline := time.Now().Add(10 * time.Second); entry == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			m, _ := filepath.Glob(filepath.Join(cacheDir, "*.lock"))
			for _, l := range m {
				if b, _ := os.ReadFile(l); len(b) > 0 {
					entry = strings.TrimSuffix(l, ".lock") + ".json"
				}
			}
		}
		if entry == "" {
			t.Fatal("no lock file names the abandoned login")
		}
		b, _ := json.Marshal(kubeconfig.TokenSet{Token: "expired", RefreshToken: "some-refresh-token", Expiry: time.Now().Add(-time.Hour)})
		if err := os.WriteFile(entry, b, 0o600); err != nil {
			t.Fatal(err)
		}
		bg := exec.Command(filepath.Join(bin, "authctl-get-token"), args...)
		bg.Env = append(os.Environ(), kubeconfig.ExecInfoEnv+`={"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`)
		var bgErr bytes.Buffer
		bg.Stderr = &bgErr
		bgStart := time.Now()
		err := bg.Run()
		took := time.Since(bgStart)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 4 {
			t.Fatalf("background call: %v, want exit code 4\n%s", err, bgErr.String())
		}
		if took < 2*time.Second || took > 8*time.Second {
			t.Fatalf("background call gave up after %s, want the 2s lock bound", took)
		}
		if want := fmt.Sprintf("pid %d on ", abandoned.Process.Pid); !strings.Contains(bgErr.String(), want) || !strings.Contains(bgErr.String(), "logging in since") {
			t.Fatalf("the message does not name the holder (%s):\n%s", want, bgErr.String())
		}
		t.Logf("background call: exit 4 after %s:\n%s", took.Round(time.Millisecond), bgErr.String())
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			_ = abandoned.Process.Kill()
			t.Fatal("the abandoned login did not time out")
		}
		total := time.Since(start)
		if !errors.As(err, &ee) || ee.ExitCode() != 4 || !strings.Contains(abandonedErr.String(), "no browser login completed within 6s") {
			t.Fatalf("abandoned login: %v after %s, want exit code 4 and the timeout\n%s", err, total, abandonedErr.String())
		}
		if total < 6*time.Second || total > 15*time.Second {
			t.Fatalf("abandoned login ended after %s, want about 6s", total)
		}
		t.Logf("abandoned login: exit 4 after %s", total.Round(time.Millisecond))
	})
	t.Logf("token hook log:\n%s", hookLog.String())
}

// kcIdentityID finds an identity by its email (credentials identifier).
func kcIdentityID(t *testing.T, k *stack.Kratos, email string) string {
	t.Helper()
	resp, err := k.HTTPClient.Get(k.AdminURL + "admin/identities?credentials_identifier=" + url.QueryEscape(email))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ids []struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&ids); err != nil || len(ids) != 1 {
		t.Fatalf("identity %s: %v %v", email, ids, err)
	}
	return ids[0].ID
}

// kcCount GETs a JSON list and returns its length.
func kcCount(t *testing.T, hc *http.Client, u string) int {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", u, resp.StatusCode, b)
	}
	var l []any
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, b)
	}
	return len(l)
}

// kcHookLines decodes the hook's JSON log lines.
func kcHookLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(log, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func kcCacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	return m
}

func kcClaimsOf(t *testing.T, file string) map[string]any {
	t.Helper()
	var ts kubeconfig.TokenSet
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &ts); err != nil {
		t.Fatal(err)
	}
	d, err := login.Decode(ts.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	return d.Claims
}

// kcCachedClaims decodes the id_token of the only cache entry in dir.
func kcCachedClaims(t *testing.T, dir string) map[string]any {
	t.Helper()
	m := kcCacheFiles(t, dir)
	if len(m) != 1 {
		t.Fatalf("want one cache entry in %s, got %v", dir, m)
	}
	return kcClaimsOf(t, m[0])
}

// kcExpireDir moves the expiry of every entry in dir into the past.
func kcExpireDir(t *testing.T, dir string) {
	t.Helper()
	for _, f := range kcCacheFiles(t, dir) {
		var ts kubeconfig.TokenSet
		b, _ := os.ReadFile(f)
		_ = json.Unmarshal(b, &ts)
		ts.Expiry = time.Now().Add(-time.Minute)
		b, _ = json.Marshal(ts)
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// kcExecArgs reads the exec args setup wrote for the current context.
func kcExecArgs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kc struct {
		Users []struct {
			Name string
			User struct {
				Exec struct{ Args []string } `json:"exec"`
			} `json:"user"`
		} `json:"users"`
	}
	if err := yaml.Unmarshal(b, &kc); err != nil {
		t.Fatal(err)
	}
	for _, u := range kc.Users {
		if u.Name == "dev-oidc" {
			return u.User.Exec.Args
		}
	}
	t.Fatal("no dev-oidc user in the kubeconfig")
	return nil
}

// kcWaitForOIDC waits until the API server behind kubeconfig accepts the CI
// client's token (its JWT authenticator fetches the issuer's keys lazily),
// and checks the user it maps the token to.
func kcWaitForOIDC(t *testing.T, kubeconfig, token string, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; {
		out, err := exec.Command("kubectl", "--kubeconfig", kubeconfig, "--token", token, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").CombinedOutput()
		if err == nil {
			if string(out) != "oidc:client:ci" {
				t.Fatalf("CI token authenticated as %q, want oidc:client:ci", out)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API server never accepted an OIDC token: %s", out)
		}
		time.Sleep(2 * time.Second)
	}
}
