package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra/doc"
)

// DocsDir is where the generated command reference lives, relative to the
// repository root. Hand-written pages there (exit codes, environment) are
// left alone: generated pages all start with "authctl".
const DocsDir = "docs/cli"

// GenerateMarkdownDocs writes one Markdown page per command into dir and
// returns the file names. The output is deterministic (no date stamp), so a
// test can compare it with the committed pages.
func GenerateMarkdownDocs(dir string) ([]string, error) {
	root := NewRootCommand(IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	root.DisableAutoGenTag = true
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "authctl*.md"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return nil, err
		}
	}
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "authctl*.md"))
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	return files, err
}
