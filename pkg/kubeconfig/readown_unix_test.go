//go:build unix

package kubeconfig

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// readOwn reads as os.ReadFile does (any size, through symlinks), reports
// a missing file as fs.ErrNotExist, and leaves another user's file unread.
func TestReadOwn(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 4096, 100_000} {
		p := filepath.Join(dir, "f")
		want := bytes.Repeat([]byte("0123456789"), size/10+1)[:size]
		if err := os.WriteFile(p, want, 0o600); err != nil {
			t.Fatal(err)
		}
		got, me, owner, err := readOwn(p)
		if err != nil || !bytes.Equal(got, want) || me != os.Geteuid() || owner != me {
			t.Fatalf("size %d: got %d bytes, me %d owner %d, %v", size, len(got), me, owner, err)
		}
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "f"), link); err != nil {
		t.Fatal(err)
	}
	if got, _, _, err := readOwn(link); err != nil || len(got) != 100_000 {
		t.Fatalf("through a symlink: %d bytes, %v", len(got), err)
	}
	if _, _, _, err := readOwn(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	p := filepath.Join(dir, "theirs")
	if err := os.WriteFile(p, []byte("planted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if got, me, owner, err := readOwn(p); err != nil || got != nil || owner != 65534 || me != 0 {
		t.Fatalf("another user's file: %q, me %d owner %d, %v", got, me, owner, err)
	}
}
