package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}
func (r *recorder) Logf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.Logf(format, args...)
}

// Fatalf must stop the caller; check returns right after every Fatalf.
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func TestMismatchPrintsUnifiedDiff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.yaml")
	os.WriteFile(path, []byte("a: 1\nb: 2\nc: 3\n"), 0o644)
	r := &recorder{TB: t}
	check(r, path, []byte("a: 1\nb: 20\nc: 3\n"), false)
	msg := strings.Join(r.msgs, "\n")
	if !r.failed {
		t.Fatal("a mismatch passed")
	}
	for _, want := range []string{"--- " + path, "+++ got", "@@ -1,3 +1,3 @@", "\n-b: 2\n", "\n+b: 20\n", " a: 1\n"} {
		if !strings.Contains(msg, want) {
			t.Errorf("no %q in the failure:\n%s", want, msg)
		}
	}
}

func TestEqualPasses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.yaml")
	os.WriteFile(path, []byte("a: 1\n"), 0o644)
	r := &recorder{TB: t}
	check(r, path, []byte("a: 1\n"), false)
	if r.failed {
		t.Fatalf("equal content failed: %v", r.msgs)
	}
}

func TestFinalNewlineOnlyIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.yaml")
	os.WriteFile(path, []byte("a: 1\n"), 0o644)
	r := &recorder{TB: t}
	check(r, path, []byte("a: 1"), false)
	if !r.failed || !strings.Contains(strings.Join(r.msgs, "\n"), "No newline at end of file") {
		t.Fatalf("a missing final newline passed or was not named: %v", r.msgs)
	}
}

// -update writes and never compares: not even with a golden file that
// differs, and a missing golden file is created.
func TestUpdateWritesWithoutComparing(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.yaml")
	os.WriteFile(stale, []byte("old\n"), 0o644)
	missing := filepath.Join(dir, "sub", "new.yaml")
	for _, path := range []string{stale, missing} {
		r := &recorder{TB: t}
		check(r, path, []byte("new\n"), true)
		if r.failed {
			t.Fatalf("%s: -update failed: %v", path, r.msgs)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "new\n" {
			t.Fatalf("%s: -update wrote %q, %v", path, b, err)
		}
	}
}

func TestMissingGoldenFails(t *testing.T) {
	r := &recorder{TB: t}
	check(r, filepath.Join(t.TempDir(), "none.yaml"), []byte("x"), false)
	if !r.failed || !strings.Contains(strings.Join(r.msgs, "\n"), "-update") {
		t.Fatalf("a missing golden file: %v", r.msgs)
	}
}

func TestLongDiffIsCapped(t *testing.T) {
	var a, b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&a, "line %d\n", i)
		fmt.Fprintf(&b, "LINE %d\n", i)
	}
	d := Diff("f", []byte(a.String()), []byte(b.String()))
	if n := strings.Count(d, "\n"); n > maxDiffLines+1 || !strings.Contains(d, "more diff lines") {
		t.Fatalf("diff of %d lines not capped", n)
	}
}
