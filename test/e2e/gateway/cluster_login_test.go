//go:build cluster

package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/cluster"
	"github.com/authctl/authctl/test/e2e/stack"
)

// clusterIngressProfile protects one upstream (the Service api:8080 in the
// stack's namespace) with the ingress target: the ingress controller, in
// the namespace ingress (gateway.namespace), sends every request for
// api.blog.example.com to the Oathkeeper proxy Service.
const clusterIngressProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: blog
  namespace: auth
spec:
  domain: blog.example.com
` + e2e.ClusterComponents + `  gateway:
    target: ingress
    ingressClassName: nginx
    namespace: ingress
    tlsSecretName: blog-example-com-tls
  services:
    - name: api
      hosts: [api.blog.example.com]
      upstream: {service: api, port: 8080}
      allow: [bearer]
      onFailure: json
      forward: {mode: headers}
`

const apiUpstream = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: auth}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: api
        image: ` + cluster.E2EUtilImage + `
        imagePullPolicy: Never
        args: [serve, ":8080"]
        securityContext: {runAsUser: 10000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: auth}
spec:
  selector: {app: api}
  ports: [{port: 8080, targetPort: 8080}]
`

// TestClusterLoginThroughOathkeeper logs in to the real Kratos pod (API
// flow, through kubectl port-forward) and sends the session token from a
// pod in another namespace, as an ingress controller would, to the
// Oathkeeper proxy Service: the upstream pod receives the request with the
// identity headers, and a bad token gets Oathkeeper's 401. A pod in any
// other namespace cannot reach the proxy port at all (kube-router enforces
// the rendered policy).
func TestClusterLoginThroughOathkeeper(t *testing.T) {
	stack.Require(t)
	st := e2e.ApplyProfileOnNode(t, clusterIngressProfile, "blog", nil)
	n := st.N
	if err := n.Apply(apiUpstream); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitRollout("auth", "deployment/api", 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	admin, err := n.PortForward("auth", "svc/blog-kratos-admin", 4434)
	if err != nil {
		t.Fatal(err)
	}
	public, err := n.PortForward("auth", "svc/blog-kratos-public", 4433)
	if err != nil {
		t.Fatal(err)
	}
	var identity struct{ ID string }
	e2e.DoJSON(t, http.DefaultClient, "POST", admin+"/admin/identities", map[string]any{
		"schema_id":       "default",
		"traits":          map[string]any{"email": "staff@blog.example.com", "name": "Staff"},
		"metadata_public": map[string]any{"groups": []string{"staff"}},
		"credentials":     map[string]any{"password": map[string]any{"config": map[string]any{"password": "a-long-test-password-1"}}},
		// Vouched for, as bootstrap does: only a verified address is forwarded.
		"verifiable_addresses": []map[string]any{{"value": "staff@blog.example.com", "verified": true, "via": "email", "status": "completed"}},
	}, http.StatusCreated, &identity)

	// The flow's action URL carries Kratos' public base URL; post to the
	// same path through the port-forward.
	var flow struct{ UI struct{ Action string } }
	e2e.DoJSON(t, http.DefaultClient, "GET", public+"/self-service/login/api", nil, http.StatusOK, &flow)
	action, err := url.Parse(flow.UI.Action)
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		SessionToken string `json:"session_token"`
	}
	e2e.DoJSON(t, http.DefaultClient, "POST", public+action.RequestURI(), map[string]any{
		"method": "password", "identifier": "staff@blog.example.com", "password": "a-long-test-password-1",
	}, http.StatusOK, &login)
	if login.SessionToken == "" {
		t.Fatal("no session token from the Kratos login")
	}

	if _, err := n.Kubectl("create", "namespace", "ingress"); err != nil {
		t.Fatal(err)
	}
	ip, err := n.StartClientPod("ingress", "controller", map[string]string{"app.kubernetes.io/name": "ingress-nginx"})
	if err != nil {
		t.Fatal(err)
	}
	// The policy admits the controller by its namespace: wait until the
	// enforcer has its address.
	if err := n.WaitEnforcerKnows(ip, time.Minute); err != nil {
		t.Fatal(err)
	}
	proxy := "http://blog-oathkeeper-proxy.auth.svc.cluster.local:4455/v1/items?x=1"
	call := func(token string) (int, string) {
		t.Helper()
		out, err := n.PodExec("ingress", "controller", "e2eutil", "fetch", proxy, "api.blog.example.com",
			"Authorization: Bearer "+token, "X-Forwarded-Proto: https")
		if err != nil {
			t.Fatal(err)
		}
		status, body, _ := strings.Cut(strings.TrimSpace(out), " ")
		code := 0
		_ = json.Unmarshal([]byte(status), &code)
		return code, body
	}
	code, body := call(login.SessionToken)
	if code != http.StatusOK {
		t.Fatalf("proxy answered %d %s, want 200 from the upstream", code, body)
	}
	var seen struct {
		Path, Host, Pod string
		Headers         map[string]string
	}
	if err := json.Unmarshal([]byte(body), &seen); err != nil {
		t.Fatalf("upstream answer %q: %v", body, err)
	}
	if seen.Headers["X-User-Id"] != identity.ID || seen.Headers["X-User-Email"] != "staff@blog.example.com" || seen.Path != "/v1/items?x=1" {
		t.Errorf("upstream pod %s saw path %s and headers %v; want X-User-Id %s", seen.Pod, seen.Path, seen.Headers, identity.ID)
	}
	if _, ok := seen.Headers["Authorization"]; ok {
		t.Logf("note: the upstream also received the Authorization header")
	}
	t.Logf("upstream pod %s saw %s with X-User-Id=%s X-User-Email=%s X-User-Groups=%s",
		seen.Pod, seen.Path, seen.Headers["X-User-Id"], seen.Headers["X-User-Email"], seen.Headers["X-User-Groups"])

	if code, body := call("not-a-session"); code != http.StatusUnauthorized {
		t.Errorf("bad token: proxy answered %d %s, want 401", code, body)
	}

	// Any other namespace: the proxy port does not answer, not even with
	// a valid session (kube-router rejects: "connection refused", or drops:
	// a timeout).
	if _, err := n.Kubectl("create", "namespace", "elsewhere"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.StartClientPod("elsewhere", "stranger", map[string]string{"app.kubernetes.io/name": "ingress-nginx"}); err != nil {
		t.Fatal(err)
	}
	out, _ := n.PodExec("elsewhere", "stranger", "e2eutil", "get-all", "3s", proxy)
	got := strings.TrimSpace(out)
	if !strings.HasPrefix(got, proxy+" TIMEOUT") && !strings.Contains(got, "connection refused") {
		t.Errorf("a pod in another namespace reached the Oathkeeper proxy: %q", got)
	} else {
		t.Logf("from another namespace: %s", got)
	}
}
