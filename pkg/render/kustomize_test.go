package render_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// A patch that matches no rendered object is known only at render time:
// the error names the patch at its file:line:col, not kustomize's
// kustomization, and a patch that applies is not blamed.
func TestPatchThatMatchesNothingIsPositioned(t *testing.T) {
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev, namespace: auth}
spec:
  domain: dev.example.com
  patches:
    - target: {kind: Deployment, name: dev-hydra}
      patch: '[{"op": "replace", "path": "/spec/replicas", "value": 2}]'
    - patch: |
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: dev-nope, namespace: auth}
        spec: {replicas: 2}
`
	p, err := profile.Parse("p.yaml", "", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	_, err = render.Render(render.Options{Profile: p, Secrets: sf})
	var fe *profile.FieldError
	if !errors.As(err, &fe) || fe.Path != "spec.patches[1].patch" || fe.Pos.Line != 9 || !strings.Contains(err.Error(), "dev-nope") {
		t.Fatalf("err = %v (%+v), want spec.patches[1].patch at line 9 naming dev-nope", err, fe)
	}
}
