package render

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/templates"
)

// helmEngine runs tfs through Helm's own engine in strict mode, as render
// did before tmpl.go: the reference the lean executor must agree with.
func helmEngine(t *testing.T, files map[string][]byte, vals map[string]any, name, namespace string) map[string]string {
	t.Helper()
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "authctl", Version: "0.1.0"}}
	for n, data := range files {
		ch.Templates = append(ch.Templates, &chart.File{Name: "templates/" + n, Data: data})
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: name, Namespace: namespace}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Engine{Strict: true}.Render(ch, rv)
	if err != nil {
		t.Fatalf("helm engine: %v", err)
	}
	got := map[string]string{}
	for n, s := range out {
		if strings.HasSuffix(n, ".yaml") {
			got[strings.TrimPrefix(n, "authctl/templates/")] = s
		}
	}
	return got
}

func templateFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, pattern := range []string{"*.yaml", "*.tpl"} {
		names, err := fs.Glob(templates.FS, pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			data, err := templates.FS.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			files[n] = data
		}
	}
	return files
}

// TestTemplatesMatchHelmEngine: for every example profile, the lean
// executor writes byte for byte what Helm's engine writes from the same
// templates and values.
func TestTemplatesMatchHelmEngine(t *testing.T) {
	files := templateFiles(t)
	paths, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range paths {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, err := profile.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := values(newModel(p), ManagedByAuthctl)
			if err != nil {
				t.Fatal(err)
			}
			want := helmEngine(t, files, vals, p.Metadata.Name, p.Metadata.Namespace)
			got, err := executeTemplates(templates.FS, map[string]any{
				"Values":  vals,
				"Release": map[string]any{"Name": p.Metadata.Name, "Namespace": p.Metadata.Namespace},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d outputs, Helm's engine wrote %d", len(got), len(want))
			}
			for n, w := range want {
				if got[n] != w {
					t.Errorf("%s differs from Helm's engine:\n--- ours\n%s\n--- helm\n%s", n, got[n], w)
				}
			}
		})
	}
}

// TestTemplateSemantics: the Helm behaviours the executor promises, each
// checked against Helm's engine on the same input.
func TestTemplateSemantics(t *testing.T) {
	vals := map[string]any{"present": "x", "nothing": nil, "items": []any{"a", "b"}}
	run := func(src string) (string, error) {
		out, err := executeTemplates(fstest.MapFS{"t.yaml": {Data: []byte(src)}}, map[string]any{"Values": vals})
		return out["t.yaml"], err
	}
	for _, tc := range []struct {
		name, src, want string
		wantErr         string
	}{
		{name: "a missing key fails (strict)", src: `{{ .Values.absent }}`, wantErr: "map has no entry for key"},
		{name: "a nil value prints nothing", src: `a{{ .Values.nothing }}b`, want: "ab"},
		{name: "include and nindent", src: `{{- define "x" }}v: {{ . }}{{ end }}k:{{ include "x" .Values.present | nindent 2 }}`, want: "k:\n  v: x"},
		{name: "toYaml has no final newline", src: `{{ toYaml .Values.items }}|`, want: "- a\n- b|"},
		{name: "env is not available", src: `{{ env "HOME" }}`, wantErr: `function "env" not defined`},
		{name: "include recursion is bounded", src: `{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}`, wantErr: "nested more than 1000 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(tc.src)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if h := helmEngine(t, map[string][]byte{"t.yaml": []byte(tc.src)}, vals, "r", "ns")["t.yaml"]; h != got {
				t.Fatalf("Helm's engine writes %q, ours %q", h, got)
			}
		})
	}
}
