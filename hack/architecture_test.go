package hack_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestArchitectureNamesRealFiles keeps docs/architecture.md's lists true to
// the tree: every file or folder it names in backquotes exists.
func TestArchitectureNamesRealFiles(t *testing.T) {
	data, err := os.ReadFile("../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("`((?:pkg|internal|cmd|templates|docs|hack|test|examples|bench)/[^` ]*)`")
	n := 0
	text := string(data)
	for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
		p := text[m[2]:m[3]]
		if strings.ContainsAny(p, "*…") || strings.HasSuffix(text[:m[0]], "Helm's ") {
			continue // a pattern (validate_*.go), or Helm's pkg/action
		}
		n++
		if _, err := os.Stat(filepath.Join("..", strings.TrimSuffix(p, "/"))); err != nil {
			t.Errorf("docs/architecture.md names %s, which does not exist", p)
		}
	}
	if n < 20 {
		t.Errorf("found only %d paths: has the page lost its lists?", n)
	}
}
