package apply

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/authctl/authctl/internal/golden"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// TestReleaseManifestIsHelms: the manifest authctl prints for
// `apply --dry-run=client` without linking Helm is byte for byte the one
// Helm's own client dry run makes from the same chart, for every example
// profile (every gateway target, maester Rules, external secrets).
func TestReleaseManifestIsHelms(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) < 5 {
		t.Fatalf("only %d examples", len(files))
	}
	sf, err := secrets.Load("../render/testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := profile.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := render.Render(render.Options{Profile: p, Secrets: sf, ManagedBy: render.ManagedByHelm})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := Chart(res, p.Metadata.Name, "0.0.0-test")
			if err != nil {
				t.Fatal(err)
			}
			want, err := Template(context.Background(), ch, p.Metadata.Name, p.Metadata.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.ReleaseManifest(p.Metadata.Name, false); got != want {
				t.Errorf("authctl's manifest differs from Helm's:\n%s", golden.Diff("helm", []byte(want), []byte(got)))
			}
		})
	}
}
