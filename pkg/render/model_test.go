package render_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/templates"
)

// TestRenderAsksWiringOnce: one Render resolves the wiring once, into its
// model, and every builder reads it from there (issue 23: it was asked 13
// times). Not parallel: the hook is global, and the count is per profile.
func TestRenderAsksWiringOnce(t *testing.T) {
	for _, file := range examples(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, err := profile.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			profile.WiringHook = func(q *profile.Profile) {
				if q == p {
					calls++
				}
			}
			defer func() { profile.WiringHook = nil }()
			if _, err := renderProfile(t, p); err != nil {
				t.Fatal(err)
			}
			if calls != 1 {
				t.Errorf("Render asked the profile for its wiring %d times, want 1", calls)
			}
		})
	}
}

// TestTemplatesReadConfigMapNames: the ConfigMaps Go generates are named
// in the model only; the templates read .Values.configMaps, never spell
// a name of their own that could drift from the generator's.
func TestTemplatesReadConfigMapNames(t *testing.T) {
	files, err := fs.Glob(templates.FS, "*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(templates.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, suffix := range []string{"-kratos-config", "-kratos-schemas", "-hydra-config", "-oathkeeper-config", "-envoy-config"} {
			if strings.Contains(string(data), "}}"+suffix) {
				t.Errorf("%s spells the ConfigMap name *%s; read it from .Values.configMaps", f, suffix)
			}
		}
	}
}
