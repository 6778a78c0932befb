package render_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestBaseGeneratesConfigAndSecrets: the kustomize base holds the
// template output as resources.yaml, each generated ConfigMap's files
// under config/NAME/ (the names the templates mount) and each Secret's
// under secrets/NAME/, and flags exactly the latter as secret.
func TestBaseGeneratesConfigAndSecrets(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := renderProfile(t, p)
	if err != nil {
		t.Fatal(err)
	}
	name := p.Metadata.Name
	for _, want := range []string{"resources.yaml", "kustomization.yaml", "config/" + name + "-kratos-config/kratos.yaml", "config/" + name + "-hydra-config/hydra.yaml"} {
		if _, ok := res.Base[want]; !ok {
			t.Errorf("the base lacks %s", want)
		}
	}
	secretFiles := 0
	for rel := range res.Base {
		if strings.HasPrefix(rel, "secrets/") != res.SecretFiles[rel] {
			t.Errorf("%s: secret flag %v", rel, res.SecretFiles[rel])
		}
		if res.SecretFiles[rel] {
			secretFiles++
		}
	}
	if secretFiles == 0 {
		t.Error("no secret files in the base of a generate-policy profile")
	}
}
