package e2e_test

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
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
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

	"golang.org/x/sys/unix"
	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/test/e2e/stack"
)

// Environment of the scripted browser (the test binary re-executed).
const (
	kcBrowserEnv  = "AUTHCTL_KC_BROWSER"
	kcEmailEnv    = "AUTHCTL_KC_EMAIL"
	kcPasswordEnv = "AUTHCTL_KC_PASSWORD"
	kcKratosEnv   = "AUTHCTL_KC_KRATOS_PUBLIC"
	kcHydraEnv    = "AUTHCTL_KC_HYDRA_ADMIN"
	kcCAEnv       = "AUTHCTL_KC_CA"
	kcLaunchLog   = "AUTHCTL_KC_LAUNCH_LOG"
	kcUIHost      = "AUTHCTL_KC_UI_HOST"
)

// init turns the test binary into the scripted browser when kubectl's exec
// plugin launches it with --browser-command.
func init() {
	if os.Getenv(kcBrowserEnv) != "1" || len(os.Args) < 2 {
		return
	}
	if err := kcBrowse(os.Args[len(os.Args)-1]); err != nil {
		fmt.Fprintf(os.Stderr, "scripted browser: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func kcBrowse(start string) error {
	if f, err := os.OpenFile(os.Getenv(kcLaunchLog), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		fmt.Fprintf(f, "%s %s\n", time.Now().Format(time.RFC3339Nano), os.Getenv(kcEmailEnv))
		f.Close()
	}
	ca, err := os.ReadFile(os.Getenv(kcCAEnv))
	if err != nil {
		return err
	}
	hc, err := kcHTTPClient(ca)
	if err != nil {
		return err
	}
	kratos := strings.TrimSuffix(os.Getenv(kcKratosEnv), "/")
	hydraAdmin := strings.TrimSuffix(os.Getenv(kcHydraEnv), "/")
	uiHost := os.Getenv(kcUIHost)
	next := start
	for i := 0; i < 30; i++ {
		u, err := url.Parse(next)
		if err != nil {
			return err
		}
		if u.Host == uiHost {
			switch u.Path {
			case "/login":
				// The UI's login page: start Kratos' browser flow with the
				// challenge (Kratos redirects back to the UI with ?flow=).
				if ch := u.Query().Get("login_challenge"); ch != "" {
					next = kratos + "/self-service/login/browser?login_challenge=" + url.QueryEscape(ch)
					continue
				}
				flow := u.Query().Get("flow")
				if next, err = kcKratosPassword(hc, kratos, flow); err != nil {
					return err
				}
				continue
			case "/consent":
				if next, err = kcAcceptConsent(hc, hydraAdmin, u.Query().Get("consent_challenge")); err != nil {
					return err
				}
				continue
			default:
				return fmt.Errorf("unexpected UI page %s", u.Path)
			}
		}
		resp, err := hc.Get(next)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			ref, _ := url.Parse(next)
			l, _ := ref.Parse(loc)
			next = l.String()
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: HTTP %d: %s", u.Redacted(), resp.StatusCode, body)
		}
		if u.Hostname() == "127.0.0.1" && u.Path == kubeconfig.CallbackPath {
			return nil // the plugin's loopback listener got the code
		}
		return fmt.Errorf("stopped at %s (HTTP 200) before the callback", u.Redacted())
	}
	return fmt.Errorf("too many redirects")
}

func kcHTTPClient(ca []byte) (*http.Client, error) {
	base, err := login.HTTPClient(&kubeconfig.Options{CAData: ca})
	if err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar, Transport: base.Transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// kcKratosPassword submits the password method of a Kratos browser login
// flow, as the UI's form would, and returns where Kratos redirects.
func kcKratosPassword(hc *http.Client, kratos, flow string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, kratos+"/self-service/login/flows?id="+url.QueryEscape(flow), nil)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	var f struct {
		UI struct {
			Action string `json:"action"`
			Nodes  []struct {
				Attributes struct {
					Name  string `json:"name"`
					Value any    `json:"value"`
				} `json:"attributes"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	err = json.NewDecoder(resp.Body).Decode(&f)
	resp.Body.Close()
	if err != nil {
		return "", fmt.Errorf("decoding the login flow: %w", err)
	}
	csrf := ""
	for _, n := range f.UI.Nodes {
		if n.Attributes.Name == "csrf_token" {
			csrf, _ = n.Attributes.Value.(string)
		}
	}
	form := url.Values{"method": {"password"}, "identifier": {os.Getenv(kcEmailEnv)}, "password": {os.Getenv(kcPasswordEnv)}, "csrf_token": {csrf}}
	req, _ = http.NewRequest(http.MethodPost, f.UI.Action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err = hc.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		return "", fmt.Errorf("kratos login: HTTP %d: %s", resp.StatusCode, body)
	}
	return loc, nil
}

// kcAcceptConsent accepts a consent challenge like the self-service UI:
// the requested scopes and audience, no claims.
func kcAcceptConsent(hc *http.Client, hydraAdmin, challenge string) (string, error) {
	q := "?consent_challenge=" + url.QueryEscape(challenge)
	resp, err := hc.Get(hydraAdmin + "/admin/oauth2/auth/requests/consent" + q)
	if err != nil {
		return "", err
	}
	var cr struct {
		RequestedScope    []string `json:"requested_scope"`
		RequestedAudience []string `json:"requested_access_token_audience"`
	}
	err = json.NewDecoder(resp.Body).Decode(&cr)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]any{"grant_scope": cr.RequestedScope, "grant_access_token_audience": cr.RequestedAudience})
	req, _ := http.NewRequest(http.MethodPut, hydraAdmin+"/admin/oauth2/auth/requests/consent/accept"+q, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err = hc.Do(req)
	if err != nil {
		return "", err
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || out.RedirectTo == "" {
		return "", fmt.Errorf("consent accept: HTTP %d %v", resp.StatusCode, err)
	}
	return out.RedirectTo, nil
}

// kcBuild builds authctl and authctl-get-token into one directory (the
// plugin finds authctl next to itself on a cache miss).
func kcBuild(t *testing.T) string {
	t.Helper()
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, pkg := range []string{"./cmd/authctl", "./cmd/authctl-get-token"} {
		cmd := exec.Command("go", "build", "-o", dir+"/", pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return dir
}

// kcSyncBuffer collects a subprocess's output for assertions.
type kcSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *kcSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *kcSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// kcPTY opens a pseudo-terminal; its slave end as kubectl's stdin makes
// kubectl report spec.interactive=true to the plugin, as in a real shell.
func kcPTY(t *testing.T) *os.File {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

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
		cmd.Stdin = kcPTY(e.t)
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
				claims = mustJSON(e.t, d.Claims)
			}
		}
		e.t.Fatalf("kubectl auth whoami: %v\n%s\ncached token claims: %s", err, stderr, claims)
	}
	var r struct {
		Status struct {
			UserInfo struct {
				Username string   `json:"username"`
				Groups   []string `json:"groups"`
			} `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		e.t.Fatalf("whoami output: %v\n%s", err, out)
	}
	return r.Status.UserInfo.Username, r.Status.UserInfo.Groups, stderr
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

func kcCreateIdentity(t *testing.T, k *stack.Kratos, email, password, group string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
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
	bin := kcBuild(t)
	const profileFile = "../../examples/minimal.yaml"

	// Render the profile with group → ClusterRole bindings.
	p, err := profile.Load(profileFile)
	if err != nil {
		t.Fatal(err)
	}
	p.Spec.Kubernetes.RoleBindings = []profile.RoleBinding{{Group: "admins", ClusterRole: "cluster-admin"}, {Group: "viewers", ClusterRole: "view"}}
	r := renderWith(t, "minimal+rolebindings", p)
	w := p.Wiring()

	// Hydra (TLS) with the rendered config. Loopback rewrites: the token
	// hook URL (an in-cluster Service) → the hook started below; the cookie
	// domain (dev.example.com) is dropped so cookies stick to 127.0.0.1.
	hookPort := stack.FreePort(t)
	hydraCfg := hydraConfig(t, r)
	if got := get(hydraCfg, "oauth2.token_hook"); got != render.TokenHookURL(p) {
		t.Fatalf("rendered oauth2.token_hook = %v, want %s", got, render.TokenHookURL(p))
	}
	set(hydraCfg, "oauth2.token_hook", fmt.Sprintf("http://127.0.0.1:%d/token-hook", hookPort))
	delete(get(hydraCfg, "serve.cookies").(map[string]any), "domain")
	hydra := stack.StartHydra(t, stack.HydraOptions{Config: hydraCfg})
	logRewrites(t, "hydra", append(hydraRewrites, "oauth2.token_hook: in-cluster Service -> 127.0.0.1 hook", "serve.cookies.domain: dropped (loopback)"), hydra.Rewrites())
	caFile := writeFile(t, t.TempDir(), "hydra-ca.crt", hydra.CAPEM)

	// Kratos with the rendered config, accepting Hydra logins through its
	// admin API (oauth2_provider.url), trusting Hydra's CA.
	t.Setenv("SSL_CERT_FILE", caFile)
	// --dev: Kratos serves plain HTTP on loopback, so its cookies must not
	// be Secure for the scripted browser to send them back.
	kcfg := kratosConfig(t, r)
	set(kcfg, "oauth2_provider.url", strings.TrimSuffix(hydra.AdminURL, "/"))
	delete(get(kcfg, "cookies").(map[string]any), "domain")
	if sc, ok := get(kcfg, "session.cookie").(map[string]any); ok {
		delete(sc, "domain")
	}
	kratos, err := stack.TryStartKratos(t, stack.KratosOptions{Config: kcfg, Dev: true})
	if err != nil {
		t.Fatalf("real Kratos rejected the rendered config: %v", err)
	}
	logRewrites(t, "kratos", append(kratosRewrites, "oauth2_provider.url: in-cluster Hydra admin -> harness Hydra admin", "cookies.domain, session.cookie.domain: dropped (loopback)"), kratos.Rewrites())
	const password = "Kc-e2e-correct-horse-7Q!x"
	kcCreateIdentity(t, kratos, "admin@example.com", password, "admins")
	kcCreateIdentity(t, kratos, "viewer@example.com", password, "viewers")

	// The real token hook, as the rendered Deployment runs it.
	hookLog := &kcSyncBuffer{}
	hook := exec.Command(filepath.Join(bin, "authctl"), "serve", "token-hook",
		fmt.Sprintf("--listen=127.0.0.1:%d", hookPort), "--kratos-admin-url="+kratos.AdminURL,
		"--email-field="+p.Spec.Kubernetes.Claims.Email, "--groups-field="+p.Spec.Kubernetes.Claims.Groups)
	hook.Stdout, hook.Stderr = hookLog, hookLog
	if err := hook.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hook.Process.Signal(syscall.SIGTERM); _ = hook.Wait() })
	refreshes := func() int { return strings.Count(hookLog.String(), `"grant_types":["refresh_token"]`) }

	// kube-apiserver with the rendered AuthenticationConfiguration. Loopback
	// rewrites: issuer.url → the harness Hydra, plus its CA.
	authn := r.configMapData(t, p.Metadata.Name+"-kube-apiserver-oidc")["authentication-config.yaml"]
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
	for _, o := range r.res.Objects {
		if o.Kind == "ClusterRoleBinding" {
			crbs = append(crbs, string(o.YAML))
		}
	}
	if len(crbs) != 2 {
		t.Fatalf("want 2 rendered ClusterRoleBindings, got %d", len(crbs))
	}
	crbFile := writeFile(t, t.TempDir(), "crbs.yaml", []byte(strings.Join(crbs, "---\n")))
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
	deadline := time.Now().Add(90 * time.Second)
	for {
		cmd := exec.Command("kubectl", "--kubeconfig", clusterKC, "--token", ciToken, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		out, err := cmd.CombinedOutput()
		if err == nil {
			if string(out) != "oidc:client:ci" {
				t.Fatalf("CI token authenticated as %q, want oidc:client:ci", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API server never accepted an OIDC token: %s", out)
		}
		time.Sleep(2 * time.Second)
	}

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
	for _, want := range []string{"interactiveMode: IfAvailable", "apiVersion: client.authentication.k8s.io/v1", filepath.Join(bin, "authctl-get-token")} {
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
			"--kubeconfig", clusterKC, "--cluster", "e2e", "--context", "ci", "--user", "ci",
			"--token-cache-dir", cacheDir, "--no-login")
		out, stderr, err := e.kubectl(false, []string{kubeconfig.ClientSecretEnv + "=ci-secret-0123456789abcdef"},
			"--context", "ci", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if err != nil || out != "oidc:client:ci" {
			t.Fatalf("ci whoami = %q, %v\n%s", out, err, stderr)
		}
	})
	t.Logf("token hook log:\n%s", hookLog.String())
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
