package hack_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeLayoutIsTheTree keeps README's Layout section true: every path
// it names exists, and every Go package under cmd/, internal/ and pkg/
// (and every test/e2e package) has its own line.
func TestReadmeLayoutIsTheTree(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Layout\n")
	if !ok {
		t.Fatal("README has no Layout section")
	}
	_, block, _ := strings.Cut(section, "```\n")
	block, _, _ = strings.Cut(block, "```")
	var listed []string
	brace := regexp.MustCompile(`^(.*)\{([^}]*)\}(.*)$`)
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		p := strings.TrimSuffix(strings.Fields(line)[0], "/")
		if m := brace.FindStringSubmatch(p); m != nil {
			for _, alt := range strings.Split(m[2], ",") {
				listed = append(listed, m[1]+alt+m[3])
			}
			continue
		}
		listed = append(listed, p)
	}
	for _, p := range listed {
		if _, err := os.Stat(filepath.Join("..", p)); err != nil {
			t.Errorf("README's Layout names %s, which does not exist", p)
		}
	}
	for _, root := range []string{"cmd", "internal", "pkg", "test"} {
		_ = filepath.WalkDir(filepath.Join("..", root), func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			rel, _ := filepath.Rel("..", path)
			rel = filepath.ToSlash(rel)
			if !hasGo(path) || rel == "test" {
				return nil
			}
			if !slices.Contains(listed, rel) {
				t.Errorf("%s is a Go package README's Layout does not list", rel)
			}
			return nil
		})
	}
}

// hasGo reports whether dir holds a non-test Go file, or only tests (a
// test package such as test/e2e/gateway).
func hasGo(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			return true
		}
	}
	return false
}
