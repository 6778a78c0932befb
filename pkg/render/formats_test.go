package render_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// canonical returns the objects of a YAML stream as sorted canonical YAML.
func canonical(t *testing.T, docs []string) []string {
	t.Helper()
	var out []string
	for _, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			continue
		}
		b, _ := yaml.Marshal(m)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

func splitDocs(s string) []string { return strings.Split("\n"+s, "\n---") }

// TestDirectoryFormatsMatchTheStream checks that the kustomize base builds,
// and the Helm chart renders, to exactly the objects of the YAML stream.
func TestDirectoryFormatsMatchTheStream(t *testing.T) {
	for _, file := range examples(t) {
		res := renderExample(t, file)
		want := canonical(t, splitDocs(string(stream(t, res))))

		dir := t.TempDir()
		if _, err := res.WriteDir(filepath.Join(dir, "k"), "kustomize", "x", "0.1.0"); err != nil {
			t.Fatal(err)
		}
		rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "k"))
		if err != nil {
			t.Fatalf("%s: kustomize build of the base: %v", file, err)
		}
		var kdocs []string
		for _, r := range rm.Resources() {
			y, _ := r.AsYAML()
			kdocs = append(kdocs, string(y))
		}
		if got := canonical(t, kdocs); strings.Join(got, "---\n") != strings.Join(want, "---\n") {
			t.Errorf("%s: kustomize base builds to different objects", file)
		}

		if _, err := res.WriteDir(filepath.Join(dir, "h"), "helm", "x", "0.1.0"); err != nil {
			t.Fatal(err)
		}
		ch, err := loader.Load(filepath.Join(dir, "h"))
		if err != nil {
			t.Fatalf("%s: helm chart does not load: %v", file, err)
		}
		vals, err := chartutil.ToRenderValues(ch, nil, chartutil.ReleaseOptions{Name: "x", Namespace: "default"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := engine.Render(ch, vals)
		if err != nil {
			t.Fatalf("%s: helm chart does not render: %v", file, err)
		}
		var hdocs []string
		for _, v := range out {
			hdocs = append(hdocs, splitDocs(v)...)
		}
		if got := canonical(t, hdocs); strings.Join(got, "---\n") != strings.Join(want, "---\n") {
			t.Errorf("%s: helm chart renders different objects", file)
		}
		// Files holding secret values are private.
		filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				data, _ := os.ReadFile(path)
				if bytes.Contains(data, []byte("\nkind: Secret\n")) && fi.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v", path, fi.Mode().Perm())
				}
			}
			return nil
		})
	}
}
