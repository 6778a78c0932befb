//go:build cluster

package apply_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestClusterBootstrapAndDoctor runs `authctl apply --wait --bootstrap`:
// bootstrap loads identities and OAuth2 clients through real port-forwards
// (kubelet and containerd's stream server) to the admin Services, which
// are never exposed. Then `authctl doctor`, given port-forwarded URLs,
// reports every check green against the running pods.
func TestClusterBootstrapAndDoctor(t *testing.T) {
	stack.Require(t)
	// Identities need Kratos' identity schemas, which its admin port only
	// redirects to serve.public.base_url (https://id.dev.example.com, not
	// reachable here: e2e.NoOutsideTraffic). apply --bootstrap therefore also
	// forwards the public Service and reads them there.
	profile := e2e.ClusterProfile + `  bootstrap:
    identities: identities.yaml
    clients: clients.yaml
`
	files := map[string]string{
		"identities.yaml": `identities:
  - traits: {email: alice@dev.example.com, name: Alice}
    metadata_public: {groups: [admins]}
    credentials:
      password: {config: {password: "alice-long-password-1"}}
`,
		"clients.yaml": `clients:
  - client_id: kubectl
    client_name: kubectl
    grant_types: [authorization_code, refresh_token]
    response_types: [code]
    redirect_uris: ["http://127.0.0.1:18000/callback", "http://127.0.0.1:18001/callback"]
    scope: openid offline groups email
    token_endpoint_auth_method: none
`,
	}
	st := e2e.ApplyProfileOnNode(t, profile, "dev", files, "--bootstrap", "--bootstrap-secrets-out", t.TempDir()+"/client-secrets.yaml")
	n := st.N
	out := st.ApplyStdout + st.ApplyStderr
	if !strings.Contains(out, "clients") || !strings.Contains(out, "identities") {
		t.Errorf("apply --bootstrap printed no bootstrap summary:\n%s", out)
	}
	// The identity and client really are in Kratos and Hydra.
	kratosAdmin, err := n.PortForward("auth", "svc/dev-kratos-admin", 4434)
	if err != nil {
		t.Fatal(err)
	}
	hydraAdmin, err := n.PortForward("auth", "svc/dev-hydra-admin", 4445)
	if err != nil {
		t.Fatal(err)
	}
	kratosPublic, err := n.PortForward("auth", "svc/dev-kratos-public", 4433)
	if err != nil {
		t.Fatal(err)
	}
	hydraPublic, err := n.PortForward("auth", "svc/dev-hydra-public", 4444)
	if err != nil {
		t.Fatal(err)
	}
	oathkeeperAPI, err := n.PortForward("auth", "svc/dev-oathkeeper-api", 4456)
	if err != nil {
		t.Fatal(err)
	}
	var client map[string]any
	e2e.DoJSON(t, http.DefaultClient, "GET", hydraAdmin+"/admin/clients/kubectl", nil, 200, &client)
	var ids []map[string]any
	e2e.DoJSON(t, http.DefaultClient, "GET", kratosAdmin+"/admin/identities?credentials_identifier=alice@dev.example.com", nil, 200, &ids)
	if len(ids) != 1 {
		t.Errorf("alice is not in Kratos after apply --bootstrap: %v", ids)
	}

	r := e2e.Run(t, st.Bin, e2e.NoOutsideTraffic, "doctor", "-f", st.Profile,
		"--kratos-public-url", kratosPublic+"/", "--kratos-admin-url", kratosAdmin+"/",
		"--hydra-public-url", hydraPublic+"/", "--hydra-admin-url", hydraAdmin+"/",
		"--oathkeeper-api-url", oathkeeperAPI+"/")
	t.Logf("doctor:\n%s", r.Stdout)
	if r.Code != 0 || strings.Contains(r.Stdout, "✘") {
		t.Fatalf("doctor exited %d with failures:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}
