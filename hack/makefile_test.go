package hack_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestMakeBuildBuildsEveryBinary: make build builds every command under
// cmd/ (authctl alone cannot run apply or be kubectl's plugin).
func TestMakeBuildBuildsEveryBinary(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not on PATH")
	}
	entries, err := os.ReadDir("../cmd")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("make", "-C", "..", "-n", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		words := strings.FieldsFunc(string(out), func(r rune) bool { return r == ' ' || r == ';' || r == '\n' || r == '/' })
		if !slices.Contains(words, e.Name()) {
			t.Errorf("make build does not name %s:\n%s", e.Name(), out)
		}
	}
}
