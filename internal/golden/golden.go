// Package golden compares test output with files under testdata. A
// mismatch prints a unified diff (-want +got); with -update the files are
// written and nothing is compared, so an update run can never pass by
// comparing a file with itself.
package golden

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

var update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// maxDiffLines caps the diff in a failure message; a whole rendered stack
// can differ when one default changes.
const maxDiffLines = 300

// Assert compares got with the golden file at path, or writes it with -update.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	check(t, path, got, *update)
}

func check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		t.Logf("golden: wrote %s", path)
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("golden: %s does not exist; rerun with -update to create it", path)
	}
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	if bytes.Equal(want, got) {
		return
	}
	t.Errorf("golden: output differs from %s (-want +got):\n%s\nrerun with -update if the change is intended, and review the diff", path, Diff(path, want, got))
}

// Diff returns a unified diff from want to got, at most maxDiffLines long.
func Diff(path string, want, got []byte) string {
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: splitLines(want), B: splitLines(got),
		FromFile: path, ToFile: "got", Context: 3,
	})
	if err != nil {
		return fmt.Sprintf("(no diff: %v)", err)
	}
	lines := strings.SplitAfter(d, "\n")
	if len(lines) > maxDiffLines {
		d = strings.Join(lines[:maxDiffLines], "") + fmt.Sprintf("… %d more diff lines\n", len(lines)-maxDiffLines)
	}
	return d
}

// splitLines splits after each newline; a last line without one is marked
// the way git marks it, so that a lost final newline shows in the diff.
func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	return lines
}
