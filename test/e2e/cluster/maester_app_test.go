//go:build cluster

package cluster_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// maesterAppProfile is the Kyma flow: an API exposed through the gateway
// with a jwt rule (delivered as a Rule object through oathkeeper-maester)
// that requires a scope and an audience, and applications that get their
// own OAuth2 clients from `authctl bootstrap`.
const maesterAppProfile = e2e.ClusterProfile + `  gateway:
    target: none
  oathkeeper:
    rules: maester
  bootstrap:
    clients: clients.yaml
  services:
    - name: orders
      hosts: [orders.dev.example.com]
      upstream: {url: "http://orders.auth.svc.cluster.local:8080"}
      allow: [jwt]
      requiredScopes: [orders.read]
      audience: [orders-api]
      onFailure: json
`

// The shop may ask for the orders API's audience and scope; the billing
// app is a client of the same Hydra for another API.
const maesterAppClients = `clients:
  - client_id: shop-app
    grant_types: [client_credentials]
    scope: orders.read orders.write
    audience: [orders-api]
    token_endpoint_auth_method: client_secret_post
    access_token_strategy: jwt
    client_secret: shop-app-secret-for-the-e2e-test-0001
  - client_id: billing-app
    grant_types: [client_credentials]
    scope: orders.read billing.read
    audience: [billing-api]
    token_endpoint_auth_method: client_secret_post
    access_token_strategy: jwt
    client_secret: billing-app-secret-for-the-e2e-test-01
`

// TestClusterMaesterAppClient is the Kyma flow on the node, with the real
// oathkeeper-maester, Hydra and Oathkeeper pods: `authctl apply
// --bootstrap` registers the applications' own clients (client
// credentials, scopes, audiences), and the orders API's jwt Rule lets
// through only a token of a client with the orders.read scope and the
// orders-api audience: the shop's right token is allowed; the shop's token
// without the scope, or without the audience, another client's token (its
// own audience), a tampered signature and no token are refused.
func TestClusterMaesterAppClient(t *testing.T) {
	stack.Require(t)
	st := e2e.ApplyProfileOnNodeAfter(t, maesterPrerequisites(t), maesterAppProfile, "dev",
		map[string]string{"clients.yaml": maesterAppClients},
		"--bootstrap", "--bootstrap-secrets-out", t.TempDir()+"/client-secrets.yaml")
	n := st.N
	hydra, err := n.PortForward("auth", "svc/dev-hydra-public", 4444)
	if err != nil {
		t.Fatal(err)
	}
	api, err := n.PortForward("auth", "svc/dev-oathkeeper-api", 4456)
	if err != nil {
		t.Fatal(err)
	}
	token := func(client, secret, scope, audience string) string {
		t.Helper()
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "scope": {scope}}
		if audience != "" {
			form.Set("audience", audience)
		}
		resp, err := http.PostForm(hydra+"/oauth2/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			AccessToken string `json:"access_token"`
			Error       string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusOK || strings.Count(out.AccessToken, ".") != 2 {
			t.Fatalf("token for %s (scope %q, audience %q): %d %s, token %q", client, scope, audience, resp.StatusCode, out.Error, out.AccessToken)
		}
		return out.AccessToken
	}
	decide := func(bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", api+"/decisions/v1/orders/42", nil)
		req.Host = "orders.dev.example.com"
		req.Header.Set("X-Forwarded-Proto", "https")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		c := &http.Client{Timeout: 10 * time.Second}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	const shop, shopSecret = "shop-app", "shop-app-secret-for-the-e2e-test-0001"
	right := token(shop, shopSecret, "orders.read", "orders-api")
	// Oathkeeper fetches Hydra's JWKS on the first jwt request and gives
	// up after about a second ("request timed out waiting for a
	// response": a cold pod, DNS and Hydra on a loaded node), answering
	// 401 until a fetch lands; so the first 200 is waited for (measured).
	start := time.Now()
	got, body := decide(right)
	for got == http.StatusUnauthorized && time.Since(start) < 30*time.Second {
		time.Sleep(time.Second)
		got, body = decide(right)
	}
	t.Logf("MEASURED: first 200 for the right token %s after the first decision", time.Since(start).Round(100*time.Millisecond))
	if got != http.StatusOK {
		claims, _ := base64.RawURLEncoding.DecodeString(strings.Split(right, ".")[1])
		logs, _ := n.Kubectl("-n", "auth", "logs", "deploy/dev-oathkeeper", "--tail=20")
		t.Fatalf("the shop's token with orders.read for orders-api: %d %s, want 200\nclaims: %s\nOathkeeper:\n%s", got, body, claims, logs)
	}
	// The signature's last characters changed: same claims, not Hydra's.
	tampered := right[:len(right)-4] + map[bool]string{true: "AAAA", false: "BBBB"}[!strings.HasSuffix(right, "AAAA")]
	for _, c := range []struct {
		why, bearer string
	}{
		{"no token", ""},
		{"the shop's token without the orders.read scope", token(shop, shopSecret, "orders.write", "orders-api")},
		{"the shop's token without the orders-api audience", token(shop, shopSecret, "orders.read", "")},
		{"another client's token (orders.read, its own audience)", token("billing-app", "billing-app-secret-for-the-e2e-test-01", "orders.read", "billing-api")},
		{"the right token with a tampered signature", tampered},
	} {
		if got, body := decide(c.bearer); got != http.StatusUnauthorized && got != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 401 or 403", c.why, got, body)
		} else {
			t.Logf("%s: %d", c.why, got)
		}
	}
}
