//go:build cluster

package kubectl_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/cluster"
	"github.com/authctl/authctl/test/e2e/stack"
)

// clusterKubectlProfile is the cluster profile behind the ingress target,
// with kubectl access for two groups.
const clusterKubectlProfile = e2e.ClusterProfile + `  gateway:
    target: ingress
    ingressClassName: e2e          # served by the harness's stand-in (cluster.Ingress)
    tlsSecretName: dev-tls         # created by the test from its own CA
  kubernetes:
    roleBindings:
      - {group: admins, clusterRole: cluster-admin}
      - {group: viewers, clusterRole: view}
  bootstrap:
    identities: identities.yaml
`

// clusterKubectlIdentities are bootstrapped by apply --bootstrap: their
// addresses are vouched for (verified), which kube-apiserver's username
// mapping requires of the email claim.
const clusterKubectlIdentities = `identities:
  - traits: {email: admin@dev.example.com}
    metadata_public: {groups: [admins]}
    verifiable_addresses: [{value: admin@dev.example.com, via: email, verified: true}]
    credentials: {password: {config: {password: "Kc-cluster-correct-horse-9Z!q"}}}
  - traits: {email: viewer@dev.example.com}
    metadata_public: {groups: [viewers]}
    verifiable_addresses: [{value: viewer@dev.example.com, via: email, verified: true}]
    credentials: {password: {config: {password: "Kc-cluster-correct-horse-9Z!q"}}}
`

// TestClusterKubectlOIDCLogin is the kubectl login on the real node, with
// every server of the flow running as a pod from the rendered manifests:
// Hydra, Kratos and the token hook. The people are bootstrapped by `apply
// --bootstrap` through port-forwards, as a platform team would. The node's kube-apiserver runs with
// the rendered AuthenticationConfiguration, unchanged but for the
// certificateAuthority its usage note asks for; it reaches the issuer by
// its public name, https://oauth.dev.example.com/, as in production.
//
// The one stand-in is the ingress controller (cluster.Ingress), built from
// the applied Ingress and its TLS Secret: kube-apiserver, authctl and the
// scripted browser reach id. and oauth.dev.example.com through it as an
// HTTPS proxy, so no public name is resolved and nothing leaves loopback.
// The scripted browser plays the self-service UI as in
// TestKubectlOIDCLogin; email and groups in the id_token therefore come
// only from the token hook pod, which Hydra's pod calls with its key and
// which reads the identity from Kratos' pod.
func TestClusterKubectlOIDCLogin(t *testing.T) {
	stack.Require(t)
	plugin := e2e.BuildPlugin(t)
	t.Setenv("PATH", plugin+string(os.PathListSeparator)+os.Getenv("PATH"))

	// The profile's AuthenticationConfiguration, rendered, plus the CA of
	// the certificate the test puts in the Ingress' TLS Secret.
	ca := stack.NewCA(t, "authctl-e2e ingress CA")
	leaf := ca.ServingCert(t, "id.dev.example.com", "oauth.dev.example.com")
	caFile := e2e.WriteFile(t, t.TempDir(), "ingress-ca.crt", ca.CertPEM)
	dir := t.TempDir()
	p, err := profile.Load(e2e.WriteFile(t, dir, "dev.yaml", []byte(clusterKubectlProfile)))
	if err != nil {
		t.Fatal(err)
	}
	r := e2e.RenderProfile(t, "dev-kubectl", p)
	var ac map[string]any
	if err := yaml.Unmarshal([]byte(r.ConfigMapData(t, "dev-kube-apiserver-oidc")["authentication-config.yaml"]), &ac); err != nil {
		t.Fatal(err)
	}
	issuer := ac["jwt"].([]any)[0].(map[string]any)["issuer"].(map[string]any)
	if issuer["url"] != "https://oauth.dev.example.com/" {
		t.Fatalf("rendered issuer.url = %v", issuer["url"])
	}
	issuer["certificateAuthority"] = string(ca.CertPEM)
	acYAML, _ := yaml.Marshal(ac)

	ingress, err := cluster.StartIngress(t)
	if err != nil {
		t.Fatal(err)
	}
	proxyEnv := ingress.ProxyEnv()
	st := e2e.ApplyProfileOnNodeWith(t, cluster.Options{AuthenticationConfig: acYAML, APIServerEnv: proxyEnv}, func(n *cluster.Node) {
		// The Ingress' certificate exists before apply, as cert-manager's
		// or a team's own would.
		if _, err := n.Kubectl("create", "namespace", "auth"); err != nil {
			t.Fatal(err)
		}
		crt := e2e.WriteFile(t, t.TempDir(), "tls.crt", leaf.CertPEM)
		key := e2e.WriteFile(t, t.TempDir(), "tls.key", leaf.KeyPEM)
		if _, err := n.Kubectl("-n", "auth", "create", "secret", "tls", "dev-tls", "--cert", crt, "--key", key); err != nil {
			t.Fatal(err)
		}
	}, clusterKubectlProfile, "dev", map[string]string{"identities.yaml": clusterKubectlIdentities}, "--bootstrap")
	n := st.N
	if err := ingress.Load(n, "e2e"); err != nil {
		t.Fatal(err)
	}

	hydraAdmin, err := n.PortForward("auth", "svc/dev-hydra-admin", 4445)
	if err != nil {
		t.Fatal(err)
	}
	kratosAdmin, err := n.PortForward("auth", "svc/dev-kratos-admin", 4434)
	if err != nil {
		t.Fatal(err)
	}
	const password = "Kc-cluster-correct-horse-9Z!q" // as in clusterKubectlIdentities

	// The test's own client for the public names: through the stand-in,
	// trusting its CA.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	proxyURL, _ := url.Parse(ingress.ProxyURL)
	public := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
	var disco map[string]any
	e2e.DoJSON(t, public, "GET", "https://oauth.dev.example.com/.well-known/openid-configuration", nil, 200, &disco)
	if disco["issuer"] != "https://oauth.dev.example.com/" {
		t.Fatalf("discovery through the ingress: issuer %v", disco["issuer"])
	}

	// A CI client with JWT access tokens for the API server's audience:
	// it needs no browser, so it shows when the API server's JWT
	// authenticator has fetched the issuer's keys (it starts lazily, and
	// the issuer did not exist when kube-apiserver started).
	var created map[string]any
	e2e.DoJSON(t, http.DefaultClient, "POST", hydraAdmin+"/admin/clients", map[string]any{
		"client_id": "ci", "client_secret": "ci-secret-0123456789abcdef", "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_post", "audience": []string{"kubectl"}, "access_token_strategy": "jwt",
	}, 201, &created)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"ci"}, "client_secret": {"ci-secret-0123456789abcdef"}, "audience": {"kubectl"}}
	resp, err := public.PostForm("https://oauth.dev.example.com/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("client credentials token through the ingress: HTTP %d %v", resp.StatusCode, err)
	}
	clusterKC := n.Kube.ClusterKubeconfig(t)
	kcWaitForOIDC(t, clusterKC, tok.AccessToken, 2*time.Minute)
	if ingress.Connects("oauth.dev.example.com:443") == 0 {
		t.Fatal("no CONNECT to the issuer: the API server did not reach it through the ingress")
	}

	// authctl kubeconfig setup, as a platform engineer runs it: the
	// issuer from the profile, its CA, the kubectl client registered
	// through a port-forward of Hydra's admin Service.
	cacheDir := filepath.Join(t.TempDir(), "tokens")
	launchLog := filepath.Join(t.TempDir(), "launches.log")
	self, _ := os.Executable()
	kcRun(t, nil, filepath.Join(plugin, "authctl"), "kubeconfig", "setup", "-f", st.Profile,
		"--hydra-admin-url", hydraAdmin, "--certificate-authority", caFile,
		"--kubeconfig", clusterKC, "--cluster", "e2e", "--set-current-context",
		"--listen", "127.0.0.1:0", "--browser-command", self, "--token-cache-dir", cacheDir, "--no-login")
	e := &kcEnv{t: t, bin: plugin, kubeconfig: clusterKC, cacheDir: cacheDir, launchLog: launchLog, env: append([]string{
		kcBrowserEnv + "=1", kcKratosEnv + "=https://id.dev.example.com", kcHydraEnv + "=" + hydraAdmin,
		kcCAEnv + "=" + caFile, kcLaunchLog + "=" + launchLog, kcUIHost + "=auth.dev.example.com",
		kcPasswordEnv + "=" + password,
	}, proxyEnv...)}
	admin := []string{kcEmailEnv + "=admin@dev.example.com"}
	viewer := []string{kcEmailEnv + "=viewer@dev.example.com"}
	hookLog := func() string {
		out, _ := n.Kubectl("-n", "auth", "logs", "deploy/dev-token-hook")
		return out
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("token hook pod log:\n%s", hookLog())
		}
	})

	t.Run("admin logs in through the browser; groups come from the token hook pod", func(t *testing.T) {
		e.t = t
		user, groups, stderr := e.whoami(true, admin)
		if user != "oidc:admin@dev.example.com" || !slices.Contains(groups, "oidc:admins") {
			t.Fatalf("whoami = %s %v, want oidc:admin@dev.example.com with oidc:admins\n%s", user, groups, stderr)
		}
		if n := e.launches(); n != 1 {
			t.Fatalf("browser launched %d times, want 1", n)
		}
		if !strings.Contains(hookLog(), "token hook: claims added") {
			t.Fatalf("the token hook pod logged no claims:\n%s", hookLog())
		}
	})
	t.Run("the rendered ClusterRoleBinding makes admins cluster-admin", func(t *testing.T) {
		e.t = t
		if out, stderr, err := e.kubectl(false, admin, "auth", "can-i", "create", "namespaces"); err != nil || strings.TrimSpace(out) != "yes" {
			t.Fatalf("admin can-i create namespaces: %q %v\n%s", out, err, stderr)
		}
	})
	t.Run("deactivated in Kratos: the token hook pod refuses the refresh", func(t *testing.T) {
		e.t = t
		id := ckIdentityID(t, kratosAdmin, "admin@dev.example.com")
		patch := `[{"op":"replace","path":"/state","value":"inactive"}]`
		req, _ := http.NewRequest(http.MethodPatch, kratosAdmin+"/admin/identities/"+id, strings.NewReader(patch))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("deactivate in Kratos: %v %v", resp, err)
		}
		resp.Body.Close()
		// No session or token is revoked: only the hook stands between the
		// live refresh token and a new id_token.
		kcExpireDir(t, cacheDir)
		_, stderr, err := e.kubectl(false, admin, "auth", "whoami")
		if err == nil {
			t.Fatal("kubectl succeeded for a deactivated identity after its token expired")
		}
		if !strings.Contains(hookLog(), "token hook: denied, the identity is not active") {
			t.Fatalf("the refresh was not refused by the token hook pod:\n%s\nhook log:\n%s", stderr, hookLog())
		}
		if n := e.launches(); n != 1 {
			t.Fatalf("a non-interactive call opened the browser (%d launches)", n)
		}
	})
	t.Run("viewer logs in and may read but not create", func(t *testing.T) {
		e.t = t
		for _, f := range kcCacheFiles(t, cacheDir) {
			_ = os.Remove(f)
		}
		user, groups, stderr := e.whoami(true, viewer)
		if user != "oidc:viewer@dev.example.com" || !slices.Contains(groups, "oidc:viewers") || slices.Contains(groups, "oidc:admins") {
			t.Fatalf("whoami = %s %v\n%s", user, groups, stderr)
		}
		if out, _, _ := e.kubectl(false, viewer, "auth", "can-i", "create", "namespaces"); strings.TrimSpace(out) != "no" {
			t.Fatalf("viewer can-i create namespaces = %q, want no", out)
		}
		if _, stderr, err := e.kubectl(false, viewer, "-n", "auth", "get", "pods"); err != nil {
			t.Fatalf("viewer get pods: %v\n%s", err, stderr)
		}
	})
}

func ckIdentityID(t *testing.T, admin, email string) string {
	t.Helper()
	var ids []struct {
		ID string `json:"id"`
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", admin+"/admin/identities?credentials_identifier="+url.QueryEscape(email), nil, 200, &ids)
	if len(ids) != 1 {
		t.Fatalf("identity %s: %d found", email, len(ids))
	}
	return ids[0].ID
}
