package render_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/authctl/authctl/pkg/render"
)

// tree lists the files under dir, relative and slash-separated.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	return out
}

// fileSet is the rendered files of a format and whether any holds secrets.
func fileSet(t *testing.T, res *render.Result, format string) ([]string, bool) {
	t.Helper()
	files, err := res.Files(format, "x", "0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	secret := false
	for rel, f := range files {
		out = append(out, rel)
		secret = secret || f.Secret
	}
	return out, secret
}

// TestWriteDirReplacesItsOwnOutput renders two profiles and then another
// format into one folder: each time the folder holds exactly the new
// render (no stale hash-suffixed ConfigMaps, no files of the other format).
func TestWriteDirReplacesItsOwnOutput(t *testing.T) {
	minimal := renderExample(t, "../../examples/minimal.yaml")
	production := renderExample(t, "../../examples/production.yaml")
	out := filepath.Join(t.TempDir(), "nested", "out")
	steps := []struct {
		res    *render.Result
		format string
	}{{minimal, "dir"}, {production, "dir"}, {minimal, "kustomize"}, {production, "helm"}, {minimal, "dir"}}
	for i, s := range steps {
		written, err := s.res.WriteDir(out, s.format, "x", "0.1.0")
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, s.format, err)
		}
		got := tree(t, out)
		want, hasSecrets := fileSet(t, s.res, s.format)
		bookkeeping := []string{render.ManifestFile}
		if s.format == "helm" {
			bookkeeping = append(bookkeeping, ".helmignore")
		}
		if hasSecrets {
			want = append(want, ".gitignore")
		}
		want = append(want, bookkeeping...)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d (%s): folder holds\n%v\nwant\n%v", i, s.format, got, want)
		}
		if len(written) != len(want)-len(bookkeeping) {
			t.Errorf("step %d: reported %d written files, want %d", i, len(written), len(want)-len(bookkeeping))
		}
		switch s.format {
		case "kustomize":
			if _, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), out); err != nil {
				t.Fatalf("kustomize build after a re-render: %v", err)
			}
		case "helm":
			ch, err := loader.Load(out)
			if err != nil {
				t.Fatalf("helm load after a re-render: %v", err)
			}
			for _, f := range ch.Files {
				t.Errorf("the chart packages %s", f.Name)
			}
		}
	}
	// No temporary or old folders are left beside the output.
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("the parent holds %d entries, want only out/", len(entries))
	}
}

// TestWriteDirRefusesForeignFolders: a folder with files authctl did not
// write is left untouched, whether or not authctl rendered into it before.
func TestWriteDirRefusesForeignFolders(t *testing.T) {
	res := renderExample(t, "../../examples/minimal.yaml")
	for _, rendered := range []bool{false, true} {
		out := t.TempDir()
		if rendered {
			if _, err := res.WriteDir(out, "dir", "x", "0.1.0"); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(out, "README.md"), []byte("mine"), 0o644)
		_, err := res.WriteDir(out, "kustomize", "x", "0.1.0")
		var fe *render.ForeignDirError
		if !errors.As(err, &fe) || fe.File != "README.md" {
			t.Fatalf("rendered=%v: err = %v, want a ForeignDirError naming README.md", rendered, err)
		}
		if data, _ := os.ReadFile(filepath.Join(out, "README.md")); string(data) != "mine" {
			t.Error("the foreign file was changed")
		}
		if _, err := os.Stat(filepath.Join(out, "kustomization.yaml")); err == nil {
			t.Error("files were written into a foreign folder")
		}
	}
	// An empty existing folder is fine, and keeps its permissions.
	empty := t.TempDir()
	os.Chmod(empty, 0o700)
	if _, err := res.WriteDir(empty, "dir", "x", "0.1.0"); err != nil {
		t.Fatalf("empty folder: %v", err)
	}
	if fi, _ := os.Stat(empty); fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700 kept", fi.Mode().Perm())
	}
}

// TestWriteDirIgnoresPlaintextSecretsInGit renders into a git work tree:
// git status shows the manifests but none of the files with secret values.
func TestWriteDirIgnoresPlaintextSecretsInGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	res := renderExample(t, "../../examples/minimal.yaml")
	for _, format := range []string{"dir", "kustomize", "helm"} {
		repo := t.TempDir()
		if out, err := exec.Command("git", "-C", repo, "init", "-q").CombinedOutput(); err != nil {
			t.Fatalf("git init: %v\n%s", err, out)
		}
		out := filepath.Join(repo, "out")
		if _, err := res.WriteDir(out, format, "x", "0.1.0"); err != nil {
			t.Fatal(err)
		}
		status, err := exec.Command("git", "-C", repo, "status", "--porcelain", "--untracked-files=all").CombinedOutput()
		if err != nil {
			t.Fatalf("git status: %v\n%s", err, status)
		}
		files, _ := res.Files(format, "x", "0.1.0")
		secretsSeen := 0
		for rel, f := range files {
			shown := strings.Contains(string(status), "out/"+rel+"\n")
			if f.Secret {
				secretsSeen++
				if shown {
					t.Errorf("%s: git status shows the secret file %s", format, rel)
				}
			} else if !shown {
				t.Errorf("%s: git status does not show %s", format, rel)
			}
		}
		if secretsSeen == 0 {
			t.Errorf("%s: no secret files rendered", format)
		}
	}
}
