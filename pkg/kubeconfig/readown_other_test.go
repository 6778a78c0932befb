//go:build !unix

package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadOwn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, me, owner, err := readOwn(p); err != nil || string(got) != "x" || me != owner {
		t.Fatalf("%q %d %d %v", got, me, owner, err)
	}
}
