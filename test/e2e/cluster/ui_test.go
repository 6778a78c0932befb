//go:build cluster

package cluster_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
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
	"github.com/authctl/authctl/test/e2e/cluster"
	"github.com/authctl/authctl/test/e2e/stack"
)

// The test binary is authctl-get-token's --browser-command: it hands the
// login URL to the test's Chromium.
func init() { browser.HandOffIfAsked() }

// uiProfile is the cluster profile with the built-in UI (the default),
// behind the ingress target, protecting one tool and giving kubectl access.
const uiProfile = e2e.ClusterProfile + `  gateway:
    target: ingress
    ingressClassName: e2e          # served by the harness's stand-in (cluster.Ingress)
    tlsSecretName: dev-tls         # created by the test from its own CA
  services:
    - name: tool
      hosts: [tool.dev.example.com]
      upstream: {service: tool, namespace: apps, port: 80}
      allow: [session]
      requiredGroups: [admins]
      forward: {mode: headers}
  kubernetes:
    roleBindings:
      - {group: admins, clusterRole: cluster-admin}
  bootstrap:
    identities: identities.yaml
`

const uiPassword = "Ui-cluster-correct-horse-9Z!q"

const uiIdentities = `identities:
  - traits: {email: admin@dev.example.com}
    metadata_public: {groups: [admins]}
    verifiable_addresses: [{value: admin@dev.example.com, via: email, verified: true}]
    credentials: {password: {config: {password: "` + uiPassword + `"}}}
  - traits: {email: viewer@dev.example.com}
    metadata_public: {groups: [viewers]}
    verifiable_addresses: [{value: viewer@dev.example.com, via: email, verified: true}]
    credentials: {password: {config: {password: "` + uiPassword + `"}}}
`

// uiTool is the protected tool: the echo server of the harness image, in
// its own namespace, answering with the request it got as JSON.
const uiTool = `apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tool, namespace: apps}
spec:
  replicas: 1
  selector: {matchLabels: {app: tool}}
  template:
    metadata: {labels: {app: tool}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: tool
        image: ` + cluster.E2EUtilImage + `
        imagePullPolicy: Never
        args: [serve, ":8080"]
        securityContext: {runAsUser: 10000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: tool, namespace: apps}
spec:
  selector: {app: tool}
  ports: [{port: 80, targetPort: 8080}]
`

// TestClusterUILogin is issue 19's item 5: the built-in UI runs as a pod
// from the rendered manifests (authctl's image, `authctl serve ui`), with
// Kratos, Hydra, Oathkeeper and the token hook as pods, and a person uses
// it in Debian's Chromium. The browser's only way out is the ingress
// stand-in (cluster.Ingress, its proxy), which routes the applied
// Ingress' hosts to their Services and forwards plain HTTP only to
// loopback (kubectl's redirect URI); it trusts only the certificate of
// the Ingress' TLS Secret (by its key). Shown:
//
//   - a password sign-in to a protected tool through Oathkeeper's pod
//     (a wrong password first, refused on the page), back on the exact
//     page first asked for, which the tool serves with the person's
//     identity headers; a person signed in without the tool's group is
//     refused on the UI's access-denied page (no redirect loop);
//   - kubectl login: authctl-get-token opens the test's browser, the
//     person signs in and consents on the UI pod's pages, and the node's
//     real kube-apiserver (with the rendered AuthenticationConfiguration)
//     sees the person with the groups the token hook pod adds.
//
// Every page passed is kept as a screenshot under the test's output
// folder (go test -artifacts, or $AUTHCTL_ARTIFACTS).
func TestClusterUILogin(t *testing.T) {
	stack.Require(t)
	start := time.Now()
	plugin := e2e.BuildPlugin(t)
	t.Setenv("PATH", plugin+string(os.PathListSeparator)+os.Getenv("PATH"))

	hosts := []string{"auth.dev.example.com", "id.dev.example.com", "oauth.dev.example.com", "tool.dev.example.com"}
	ca := stack.NewCA(t, "authctl-e2e ingress CA")
	leaf := ca.ServingCert(t, hosts...)
	caFile := e2e.WriteFile(t, t.TempDir(), "ingress-ca.crt", ca.CertPEM)
	blk, _ := pem.Decode(leaf.CertPEM)
	leafCert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}

	p, err := profile.Load(e2e.WriteFile(t, t.TempDir(), "dev.yaml", []byte(uiProfile)))
	if err != nil {
		t.Fatal(err)
	}
	r := e2e.RenderProfile(t, "dev-ui", p)
	var ac map[string]any
	if err := yaml.Unmarshal([]byte(r.ConfigMapData(t, "dev-kube-apiserver-oidc")["authentication-config.yaml"]), &ac); err != nil {
		t.Fatal(err)
	}
	ac["jwt"].([]any)[0].(map[string]any)["issuer"].(map[string]any)["certificateAuthority"] = string(ca.CertPEM)
	acYAML, _ := yaml.Marshal(ac)

	ingress, err := cluster.StartIngress(t)
	if err != nil {
		t.Fatal(err)
	}
	proxyEnv := ingress.ProxyEnv()
	st := e2e.ApplyProfileOnNodeWith(t, cluster.Options{AuthenticationConfig: acYAML, APIServerEnv: proxyEnv}, func(n *cluster.Node) {
		if _, err := n.Kubectl("create", "namespace", "auth"); err != nil {
			t.Fatal(err)
		}
		crt := e2e.WriteFile(t, t.TempDir(), "tls.crt", leaf.CertPEM)
		key := e2e.WriteFile(t, t.TempDir(), "tls.key", leaf.KeyPEM)
		if _, err := n.Kubectl("-n", "auth", "create", "secret", "tls", "dev-tls", "--cert", crt, "--key", key); err != nil {
			t.Fatal(err)
		}
		if err := n.Apply(uiTool); err != nil {
			t.Fatal(err)
		}
	}, uiProfile, "dev", map[string]string{"identities.yaml": uiIdentities}, "--bootstrap")
	n := st.N
	if err := n.WaitRollout("apps", "deployment/tool", 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := ingress.Load(n, "e2e"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := n.Kubectl("-n", "auth", "logs", "deploy/dev-ui")
			t.Logf("UI pod log:\n%s", out)
		}
	})
	ready := time.Now()
	t.Logf("stack applied, ingress loaded: %s after start", ready.Sub(start).Round(time.Second))

	// A fresh browser (profile, cookies) for each person's visit; its only
	// way out is the ingress stand-in, and it trusts only the Ingress'
	// certificate.
	browserOpts := browser.Options{ProxyURL: ingress.ProxyURL, TrustSPKI: []string{browser.SPKIHash(leafCert)}, Timeout: time.Minute}

	t.Run("password sign-in to a protected tool, back to the page asked for", func(t *testing.T) {
		b := browser.Start(t, browserOpts)
		asked := "https://tool.dev.example.com/reports/7?range=30d"
		b.Navigate(asked)
		b.WaitURL(`^https://auth\.dev\.example\.com/login\?flow=`)
		b.Shot("cluster-login")
		if text := b.Text(); !strings.Contains(text, "Sign in") || !strings.Contains(text, "Password") {
			t.Fatalf("the UI pod's login page shows:\n%s", text)
		}
		b.Fill("#password-identifier", "admin@dev.example.com")
		b.Fill("#password-password", "not-the-password")
		b.Click("#password-method")
		b.WaitText("The provided credentials are invalid")
		b.Shot("cluster-login-wrong-password")
		b.Fill("#password-password", uiPassword)
		b.Click("#password-method")
		got := b.WaitURL(`^https://tool\.dev\.example\.com/`)
		b.Shot("cluster-tool")
		if got != asked {
			t.Fatalf("after login the browser is at %s, want the page first asked for, %s", got, asked)
		}
		var echo struct {
			Path    string            `json:"path"`
			Headers map[string]string `json:"headers"`
		}
		body := b.TextOf("body")
		if err := json.Unmarshal([]byte(body), &echo); err != nil {
			t.Fatalf("the tool answered %q: %v", body, err)
		}
		if echo.Path != "/reports/7?range=30d" {
			t.Errorf("the tool pod got the path %q", echo.Path)
		}
		if echo.Headers["X-User-Email"] != "admin@dev.example.com" || echo.Headers["X-User-Groups"] != "admins" {
			t.Fatalf("the tool pod got the headers %v, want the person's email and groups", echo.Headers)
		}
	})

	t.Run("signed in without the tool's group: refused", func(t *testing.T) {
		b := browser.Start(t, browserOpts)
		asked := "https://tool.dev.example.com/reports/7"
		b.Navigate(asked)
		b.WaitURL(`^https://auth\.dev\.example\.com/login\?flow=`)
		b.Fill("#password-identifier", "viewer@dev.example.com")
		b.Fill("#password-password", uiPassword)
		b.Click("#password-method")
		// Oathkeeper's forbidden goes to the UI pod's access-denied page
		// (it once went to the login page, which sent the person straight
		// back: a redirect loop Chromium stopped with ERR_TOO_MANY_REDIRECTS).
		b.WaitURL(`^https://auth\.dev\.example\.com/forbidden\?return_to=`)
		b.WaitText("Access denied")
		b.Shot("cluster-tool-forbidden")
		if text := b.Text(); strings.Contains(text, "X-User-Email") || strings.Contains(text, `"pod"`) {
			t.Fatalf("a signed-in person outside the tool's group reached the tool:\n%s", text)
		}
	})

	t.Run("kubectl login in the browser; the node's kube-apiserver sees the groups", func(t *testing.T) {
		hydraAdmin, err := n.PortForward("auth", "svc/dev-hydra-admin", 4445)
		if err != nil {
			t.Fatal(err)
		}
		clusterKC := n.Kube.ClusterKubeconfig(t)
		waitForOIDC(t, ca, ingress, hydraAdmin, clusterKC)
		launcher := browser.StartLauncher(t)
		self, _ := os.Executable()
		cacheDir := filepath.Join(t.TempDir(), "tokens")
		setup := exec.Command(filepath.Join(plugin, "authctl"), "kubeconfig", "setup", "-f", st.Profile,
			"--hydra-admin-url", hydraAdmin, "--certificate-authority", caFile,
			"--kubeconfig", clusterKC, "--cluster", "e2e", "--set-current-context",
			"--listen", "127.0.0.1:0", "--browser-command", self, "--token-cache-dir", cacheDir, "--no-login")
		if out, err := setup.CombinedOutput(); err != nil {
			t.Fatalf("kubeconfig setup: %v\n%s", err, out)
		}
		type result struct {
			out, errOut string
			err         error
		}
		done := make(chan result, 1)
		tty := e2e.PTY(t) // a person is present: the plugin may open the browser
		go func() {
			cmd := exec.Command("kubectl", "--kubeconfig", clusterKC, "auth", "whoami", "-o", "json")
			cmd.Env = append(append(os.Environ(), launcher.Env), proxyEnv...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, tty
			err := cmd.Run()
			done <- result{out.String(), errb.String(), err}
		}()
		b := browser.Start(t, browserOpts)
		b.Navigate(launcher.Next(t, 2*time.Minute))
		b.KubectlLogin("auth.dev.example.com", "admin@dev.example.com", uiPassword, "cluster-kubectl")
		var res result
		select {
		case res = <-done:
		case <-time.After(2 * time.Minute):
			t.Fatal("kubectl did not finish after the browser login")
		}
		if res.err != nil {
			t.Fatalf("kubectl auth whoami: %v\n%s", res.err, res.errOut)
		}
		if user, groups := e2e.WhoAmI(t, res.out); user != "oidc:admin@dev.example.com" || !slices.Contains(groups, "oidc:admins") {
			t.Fatalf("kube-apiserver sees %s in %v, want oidc:admin@dev.example.com in oidc:admins", user, groups)
		}
		if ingress.Connects("oauth.dev.example.com:443") == 0 {
			t.Fatal("no CONNECT to the issuer through the ingress stand-in")
		}
	})
	t.Logf("the browser part took %s; the whole test %s", time.Since(ready).Round(time.Second), time.Since(start).Round(time.Second))
}

// waitForOIDC waits until the node's kube-apiserver accepts a token of
// the issuer (its JWT authenticator fetches the issuer's keys lazily, and
// the issuer did not exist when it started), with a client-credentials
// token that needs no browser.
func waitForOIDC(t *testing.T, ca *stack.CA, ingress *cluster.Ingress, hydraAdmin, kubeconfig string) {
	t.Helper()
	var created map[string]any
	e2e.DoJSON(t, http.DefaultClient, "POST", hydraAdmin+"/admin/clients", map[string]any{
		"client_id": "ci", "client_secret": "ci-secret-0123456789abcdef", "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_post", "audience": []string{"kubectl"}, "access_token_strategy": "jwt",
	}, 201, &created)
	proxyURL, _ := url.Parse(ingress.ProxyURL)
	public := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12},
	}}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"ci"}, "client_secret": {"ci-secret-0123456789abcdef"}, "audience": {"kubectl"}}
	resp, err := public.PostForm("https://oauth.dev.example.com/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("client credentials token through the ingress: HTTP %d %v", resp.StatusCode, err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Second) {
		out, err := exec.Command("kubectl", "--kubeconfig", kubeconfig, "--token", tok.AccessToken, "auth", "whoami").CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API server never accepted an OIDC token: %s", out)
		}
	}
}
