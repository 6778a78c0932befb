package bootstrap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/cli"
	clikube "github.com/authctl/authctl/internal/cli/kube"
	"github.com/authctl/authctl/pkg/apply"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestApplyBootstrapThroughFakePortForward installs the stack into the real
// kube-apiserver, then bootstraps the profile's identities into real Kratos
// through the (fake) port-forwards of the admin Services. It runs apply in
// process (cli.RunApply), because the forwarder cannot be swapped in the
// authctl binary the other tests run. It lived in internal/cli, where it
// started real servers from a unit package.
func TestApplyBootstrapThroughFakePortForward(t *testing.T) {
	stack.Require(t)
	kube := stack.StartKubeAPIServer(t, stack.KubeOptions{})
	kratosCfg, err := stack.ParseConfig([]byte("identity:\n  default_schema_id: default\n  schemas: []\nselfservice:\n  default_browser_return_url: http://127.0.0.1/\n"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	schema := filepath.Join(dir, "schema.json")
	os.WriteFile(schema, []byte(`{"type":"object","properties":{"traits":{"type":"object","properties":{"email":{"type":"string","format":"email","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}}}}}`), 0o600)
	kratosCfg["identity"].(map[string]any)["schemas"] = []any{map[string]any{"id": "default", "url": "file://" + schema}}
	kratos := stack.StartKratos(t, stack.KratosOptions{Config: kratosCfg, Dev: true})
	hydra := stack.StartHydra(t, stack.HydraOptions{Config: map[string]any{"secrets": map[string]any{"system": []any{"a-test-only-system-secret"}}}, PlainHTTP: true, Dev: true})

	profileFile := filepath.Join(dir, "profile.yaml")
	os.WriteFile(profileFile, []byte(`apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev, namespace: auth}
spec:
  domain: example.com
  secrets:
    policy: existingSecret
    existingSecret: {kratos: k, hydra: h, ui: u, oathkeeper: o}
  bootstrap:
    identities: identities.yaml
`), 0o600)
	os.WriteFile(filepath.Join(dir, "identities.yaml"), []byte("identities:\n  - traits: {email: alice@example.com}\n    metadata_public: {groups: [admins]}\n"), 0o600)

	var out, errOut bytes.Buffer
	streams := cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	o := &cli.ApplyOptions{
		ProfileFile: profileFile, Kubeconfig: kube.KubeconfigPath, Bootstrap: true,
		Forwarder: apply.StaticForwarder{
			"auth/dev-kratos-admin:4434":  strings.TrimSuffix(kratos.AdminURL, "/"),
			"auth/dev-kratos-public:4433": strings.TrimSuffix(kratos.PublicURL, "/"),
			"auth/dev-hydra-admin:4445":   strings.TrimSuffix(hydra.AdminURL, "/"),
		},
	}
	if err := cli.RunApply(context.Background(), clikube.NewFactory(streams), o); err != nil {
		t.Fatalf("apply --bootstrap: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "installed release") || !strings.Contains(errOut.String(), "forwarding dev-kratos-admin") || !strings.Contains(errOut.String(), "forwarding dev-kratos-public") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	resp, err := http.Get(kratos.AdminURL + "admin/identities?credentials_identifier=alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ids []struct {
		Traits struct{ Email string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].Traits.Email != "alice@example.com" {
		t.Fatalf("identity not bootstrapped: %+v", ids)
	}
}
