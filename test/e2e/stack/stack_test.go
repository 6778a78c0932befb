package stack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e/stack"
)

func hydraConfig() map[string]any {
	return map[string]any{
		"dsn": "postgres://will-be-rewritten",
		"urls": map[string]any{
			"self":    map[string]any{"issuer": "https://hydra.example.com/"},
			"login":   "http://127.0.0.1:3000/login",
			"consent": "http://127.0.0.1:3000/consent",
		},
		"secrets":    map[string]any{"system": []any{"this-is-a-test-system-secret-32b"}},
		"strategies": map[string]any{"access_token": "jwt"},
		"log":        map[string]any{"level": "info"},
	}
}

func logRewrites(t *testing.T, name string, rw []string) {
	t.Helper()
	t.Logf("%s loopback rewrites:\n  %s", name, strings.Join(rw, "\n  "))
}

func TestHydraTLS(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	h := stack.StartHydra(t, stack.HydraOptions{Config: hydraConfig()})
	logRewrites(t, "hydra", h.Rewrites())
	if !strings.HasPrefix(h.IssuerURL, "https://127.0.0.1:") {
		t.Fatalf("issuer = %q, want https://127.0.0.1:PORT", h.IssuerURL)
	}
	resp, err := h.HTTPClient.Get(h.PublicURL + ".well-known/openid-configuration")
	if err != nil {
		t.Fatalf("GET discovery over https with the harness CA: %v", err)
	}
	defer resp.Body.Close()
	var disc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&disc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("discovery: HTTP %d, %v", resp.StatusCode, err)
	}
	if disc["issuer"] != h.IssuerURL || !strings.HasPrefix(fmt.Sprint(disc["token_endpoint"]), "https://127.0.0.1:") {
		t.Fatalf("unexpected discovery document: issuer=%v token_endpoint=%v", disc["issuer"], disc["token_endpoint"])
	}
	// A client without the CA must refuse the certificate.
	if _, err := http.Get(h.PublicURL + "health/alive"); err == nil {
		t.Fatalf("plain http.Get trusted the harness certificate")
	}
}

func kratosConfig(t *testing.T) map[string]any {
	dir := t.TempDir()
	schema := filepath.Join(dir, "identity.schema.json")
	if err := os.WriteFile(schema, []byte(`{
  "$id": "https://authctl.dev/e2e/identity.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Person",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string",
          "format": "email",
          "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}
        }
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ui := "http://127.0.0.1:4455"
	return map[string]any{
		"dsn": "memory",
		"serve": map[string]any{
			"public": map[string]any{"base_url": "https://auth.example.com/"},
			"admin":  map[string]any{"base_url": "http://kratos-admin/"},
		},
		"selfservice": map[string]any{
			"default_browser_return_url": ui + "/",
			"flows": map[string]any{
				"error":        map[string]any{"ui_url": ui + "/error"},
				"settings":     map[string]any{"ui_url": ui + "/settings"},
				"recovery":     map[string]any{"enabled": true, "ui_url": ui + "/recovery"},
				"verification": map[string]any{"enabled": true, "ui_url": ui + "/verification"},
				"login":        map[string]any{"ui_url": ui + "/login"},
				"registration": map[string]any{"ui_url": ui + "/registration"},
				"logout":       map[string]any{"after": map[string]any{"default_browser_return_url": ui + "/login"}},
			},
			"methods": map[string]any{"password": map[string]any{"enabled": true}},
		},
		"identity": map[string]any{
			"default_schema_id": "default",
			"schemas":           []any{map[string]any{"id": "default", "url": "file://" + schema}},
		},
		"courier": map[string]any{"smtp": map[string]any{"connection_uri": "smtps://test:test@127.0.0.1:1025/?skip_ssl_verify=true"}},
		"secrets": map[string]any{
			"cookie": []any{"a-cookie-secret-of-32-characters"},
			"cipher": []any{"a-cipher-secret-of-32-characters"},
		},
		"log": map[string]any{"level": "info"},
	}
}

func TestKratos(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	k := stack.StartKratos(t, stack.KratosOptions{Config: kratosConfig(t)})
	logRewrites(t, "kratos", k.Rewrites())
	for _, u := range []string{k.AdminURL + "health/ready", k.PublicURL + "health/ready", k.AdminURL + "admin/identities"} {
		resp, err := k.HTTPClient.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: HTTP %d: %s", u, resp.StatusCode, body)
		}
	}
	// Stopping mid-test works and is idempotent with the cleanup.
	k.Stop()
	if exited, _ := k.Process.Exited(); !exited {
		t.Fatalf("kratos still running after Stop")
	}
	if _, err := k.HTTPClient.Get(k.AdminURL + "health/alive"); err == nil {
		t.Fatalf("kratos still answering after Stop")
	}
}

func oathkeeperConfig() map[string]any {
	return map[string]any{
		"access_rules": map[string]any{
			"matching_strategy": "regexp",
			"repositories":      []any{"file:///etc/rules/access-rules.json"},
		},
		"authenticators": map[string]any{
			"anonymous": map[string]any{"enabled": true, "config": map[string]any{"subject": "guest"}},
		},
		"authorizers": map[string]any{"allow": map[string]any{"enabled": true}},
		"mutators": map[string]any{
			"header": map[string]any{"enabled": true, "config": map[string]any{
				"headers": map[string]any{"X-User": "{{ print .Subject }}"},
			}},
		},
		"errors": map[string]any{"handlers": map[string]any{"json": map[string]any{"enabled": true}}},
		"log":    map[string]any{"level": "info"},
	}
}

const oneRule = `[{
  "id": "e2e:anonymous",
  "match": {"url": "http://app.example.test/<.*>", "methods": ["GET"]},
  "authenticators": [{"handler": "anonymous"}],
  "authorizer": {"handler": "allow"},
  "mutators": [{"handler": "header"}]
}]`

func TestOathkeeper(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	o := stack.StartOathkeeper(t, stack.OathkeeperOptions{Config: oathkeeperConfig(), Rules: [][]byte{[]byte(oneRule)}})
	logRewrites(t, "oathkeeper", o.Rewrites())

	// The rule is loaded asynchronously; poll the decisions API.
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, o.APIURL+"decisions/anything", nil)
		req.Header.Set("X-Forwarded-Method", "GET")
		req.Header.Set("X-Forwarded-Proto", "http")
		req.Header.Set("X-Forwarded-Host", "app.example.test")
		req.Header.Set("X-Forwarded-Uri", "/anything")
		resp, err := o.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			if got := resp.Header.Get("X-User"); got != "guest" {
				t.Fatalf("X-User = %q, want guest", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("decision: HTTP %d: %s", resp.StatusCode, body)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func TestOathkeeperRejectedConfigShowsServerMessage(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	cfg := oathkeeperConfig()
	// cookie_session requires config.check_session_url.
	cfg["authenticators"].(map[string]any)["cookie_session"] = map[string]any{"enabled": true}
	o, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: [][]byte{[]byte(oneRule)}, ReadyTimeout: 30 * time.Second})
	if err == nil {
		o.Stop()
		t.Fatalf("oathkeeper accepted cookie_session without config")
	}
	t.Logf("error returned by TryStartOathkeeper:\n%v", err)
	if !strings.Contains(err.Error(), `missing properties: "check_session_url"`) {
		t.Fatalf("error does not carry oathkeeper's own validation message about check_session_url")
	}
}

func TestKubeAPIServerOIDCWithHydra(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	h := stack.StartHydra(t, stack.HydraOptions{Config: hydraConfig()})
	authn := fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: %q
    audiences: [kubernetes]
    certificateAuthority: |
%s
  claimMappings:
    username: {claim: sub, prefix: "oidc:"}
`, h.IssuerURL, indent(string(h.CAPEM), "      "))
	kstart := time.Now()
	k := stack.StartKubeAPIServer(t, stack.KubeOptions{AuthenticationConfig: []byte(authn)})
	t.Logf("kube-apiserver ready at %s in %s", k.URL, time.Since(kstart).Round(time.Millisecond))
	t.Cleanup(func() {
		s := time.Now()
		k.Stop()
		t.Logf("kube-apiserver and etcd stopped in %s", time.Since(s).Round(time.Millisecond))
	})

	out, _, err := stack.Kubectl(t, k.KubeconfigPath, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
	if err != nil {
		t.Fatal(err)
	}
	if out != stack.AdminUser {
		t.Fatalf("admin whoami = %q, want %q", out, stack.AdminUser)
	}

	client := h.CreateClient(t, map[string]any{
		"client_id":                  "e2e-kubectl",
		"client_secret":              "e2e-kubectl-secret-of-some-length",
		"grant_types":                []string{"client_credentials"},
		"audience":                   []string{"kubernetes"},
		"token_endpoint_auth_method": "client_secret_post",
	})
	id := client["client_id"].(string)
	tok := h.ClientCredentialsToken(t, id, "e2e-kubectl-secret-of-some-length", "kubernetes")
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("access token is not a JWT (is strategies.access_token: jwt set?): %q", tok)
	}

	cluster := k.ClusterKubeconfig(t)
	want := "oidc:" + id
	start := time.Now()
	deadline := start.Add(40 * time.Second)
	for attempt := 1; ; attempt++ {
		out, stderr, err := stack.Kubectl(t, cluster, "--token", tok, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if err == nil && out == want {
			t.Logf("token whoami = %s after %d attempt(s), %s", out, attempt, time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token whoami = %q, want %q (err %v, stderr %s)", out, want, err, stderr)
		}
		time.Sleep(2 * time.Second)
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func TestEtcdStopMidTest(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	e := stack.StartEtcd(t)
	e.Stop()
	if exited, _ := e.Process.Exited(); !exited {
		t.Fatalf("etcd still running after Stop")
	}
}

func TestMissingBinaryMessage(t *testing.T) {
	t.Setenv("AUTHCTL_E2E_CACHE", t.TempDir())
	_, err := stack.BinaryPath(stack.ToolHydra)
	if err == nil || !strings.Contains(err.Error(), "run hack/e2e-tools.sh hydra") {
		t.Fatalf("BinaryPath error = %v, want it to say how to build", err)
	}
}

func TestHydraPlainHTTPSQLite(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	h := stack.StartHydra(t, stack.HydraOptions{Config: hydraConfig(), PlainHTTP: true, Dev: true, SQLite: true})
	if !strings.HasPrefix(h.IssuerURL, "http://127.0.0.1:") || !strings.HasPrefix(h.DSN, "sqlite://") {
		t.Fatalf("issuer %q, dsn %q", h.IssuerURL, h.DSN)
	}
	c := h.CreateClient(t, map[string]any{"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "client_secret_post"})
	if tok := h.ClientCredentialsToken(t, c["client_id"].(string), c["client_secret"].(string)); tok == "" {
		t.Fatal("no token")
	}
}

func TestKratosRejectedConfigShowsServerMessage(t *testing.T) {
	stack.Require(t)
	t.Parallel()
	cfg := kratosConfig(t)
	cfg["secrets"].(map[string]any)["cipher"] = []any{"too-short"} // must be exactly 32 characters
	k, err := stack.TryStartKratos(t, stack.KratosOptions{Config: cfg, ReadyTimeout: 30 * time.Second})
	if err == nil {
		k.Stop()
		t.Fatalf("kratos accepted a 9-character cipher secret")
	}
	t.Logf("error returned by TryStartKratos:\n%v", err)
	if !strings.Contains(err.Error(), "secrets.cipher") {
		t.Fatalf("error does not carry kratos' own validation message about secrets.cipher")
	}
}

// TestMailpit: a message sent over SMTP is listed and returned, body
// included, by Mailpit's API.
func TestMailpit(t *testing.T) {
	stack.Require(t)
	m := stack.StartMailpit(t)
	msg := "From: courier@example.com\r\nTo: ada@example.com\r\nSubject: Your code\r\n\r\nYour code is 123456.\r\n"
	if err := smtp.SendMail(m.SMTPAddr, nil, "courier@example.com", []string{"ada@example.com"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := m.WaitMessage(t, "ada@example.com", 30*time.Second)
	if got.Subject != "Your code" || !strings.Contains(got.Text, "123456") {
		t.Fatalf("mailpit returned %+v", got)
	}
}
