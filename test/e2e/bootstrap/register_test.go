package bootstrap_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/authctl/authctl/pkg/kubeconfig/setup"
	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestRegisterClientOwnershipMarker: kubeconfig setup's client writer
// (ory.RegisterClient) writes the one marker spelling bootstrap writes,
// metadata.managed_by, on the real Hydra, and replaces the client on a
// second run; a client an older setup registered with "managed-by" is
// read as authctl's by bootstrap (its --prune deletes it once it is no
// longer listed), while a client nobody marked stays.
func TestRegisterClientOwnershipMarker(t *testing.T) {
	stack.Require(t)
	h := bsHydra(t)
	admin := bsAdmin{t: t, base: h.AdminURL}
	client := setup.KubectlClient("kubectl", []string{"http://127.0.0.1:8000/"}, "groups")
	for i, wantCreated := range []bool{true, false} {
		created, err := ory.RegisterClient(context.Background(), http.DefaultClient, h.AdminURL, client)
		if err != nil || created != wantCreated {
			t.Fatalf("run %d: created %v, %v", i+1, created, err)
		}
	}
	code, body := admin.do(http.MethodGet, "/admin/clients/kubectl", nil)
	var got map[string]any
	_ = json.Unmarshal(body, &got)
	if code != http.StatusOK || e2e.Get(got, "metadata.managed_by") != "authctl" || e2e.Get(got, "metadata.managed-by") != nil {
		t.Fatalf("registered client: %d %s", code, body)
	}

	// What an older kubeconfig setup wrote, and a client of someone else.
	h.CreateClient(t, map[string]any{"client_id": "old-kubectl", "token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code"},
		"redirect_uris": []string{"http://127.0.0.1:8000/"}, "metadata": map[string]any{"managed-by": "authctl"}})
	h.CreateClient(t, map[string]any{"client_id": "manual", "grant_types": []string{"client_credentials"}})
	file := e2e.WriteFile(t, t.TempDir(), "clients.yaml", []byte("clients:\n  - client_id: kubectl\n    token_endpoint_auth_method: none\n    grant_types: [authorization_code, refresh_token]\n    response_types: [code]\n    redirect_uris: [\"http://127.0.0.1:8000/\"]\n    scope: openid offline_access email groups\n"))
	r := e2e.Run(t, e2e.Authctl(t), []string{"HYDRA_ADMIN_URL=" + h.AdminURL}, "bootstrap", "--clients", file, "--prune", "-o", "json")
	bsWantCounts(t, "clients", bsJSON(t, r).Clients, map[string]int{"delete": 1, "failed": 0})
	if code, _ := admin.do(http.MethodGet, "/admin/clients/old-kubectl", nil); code != http.StatusNotFound {
		t.Error("the managed-by spelling was not read as authctl's marker")
	}
	if code, _ := admin.do(http.MethodGet, "/admin/clients/manual", nil); code != http.StatusOK {
		t.Error("prune deleted a client authctl did not create")
	}
}
