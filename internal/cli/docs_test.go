package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestGeneratedDocsAreFresh regenerates the command reference and compares
// it with docs/cli: a changed flag or help text without `go run
// ./hack/gendocs` fails here.
func TestGeneratedDocsAreFresh(t *testing.T) {
	committed := filepath.Join("..", "..", DocsDir)
	tmp := t.TempDir()
	files, err := GenerateMarkdownDocs(tmp)
	if err != nil {
		t.Fatal(err)
	}
	have, _ := filepath.Glob(filepath.Join(committed, "authctl*.md"))
	for _, f := range have {
		if !slices.Contains(files, filepath.Base(f)) {
			t.Errorf("%s documents a command that no longer exists", f)
		}
	}
	for _, name := range files {
		want, _ := os.ReadFile(filepath.Join(tmp, name))
		got, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Errorf("%s is missing", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale", name)
		}
	}
	if t.Failed() {
		t.Log("regenerate with: go run ./hack/gendocs")
	}
}

// TestHandWrittenCLIDocsExist keeps the pages the generated ones link to.
func TestHandWrittenCLIDocsExist(t *testing.T) {
	for _, name := range []string{"exit-codes.md", "environment.md"} {
		if _, err := os.Stat(filepath.Join("..", "..", DocsDir, name)); err != nil {
			t.Error(err)
		}
	}
}
