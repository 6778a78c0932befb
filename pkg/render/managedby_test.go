package render_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// The managed-by label tells the truth: authctl for what `authctl render`
// writes for kubectl or kustomize, Helm for a chart or an `authctl apply`
// release (Helm stamps that value on what it owns, so anything else would
// be rewritten on install and show as drift). Every labelled object,
// generated ConfigMaps and Secrets included, carries the same value.
func TestManagedByLabel(t *testing.T) {
	p, err := profile.Load("../../examples/internal-tools.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ opt, want string }{{"", "authctl"}, {render.ManagedByHelm, "Helm"}} {
		res, err := render.Render(render.Options{Profile: p, Secrets: sf, ManagedBy: tc.opt})
		if err != nil {
			t.Fatal(err)
		}
		labelled := 0
		for _, o := range res.Objects {
			var m struct {
				Metadata struct {
					Labels map[string]string `json:"labels"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal(o.YAML, &m); err != nil {
				t.Fatal(err)
			}
			v, ok := m.Metadata.Labels["app.kubernetes.io/managed-by"]
			if !ok {
				continue
			}
			labelled++
			if v != tc.want {
				t.Errorf("ManagedBy %q: %s/%s has managed-by %q, want %q", tc.opt, o.Kind, o.Name, v, tc.want)
			}
		}
		if labelled < len(res.Objects)/2 || !strings.Contains(string(res.Objects[0].YAML), "managed-by") {
			t.Errorf("ManagedBy %q: only %d of %d objects carry the label", tc.opt, labelled, len(res.Objects))
		}
	}
}
