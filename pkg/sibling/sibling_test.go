package sibling

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	install := t.TempDir() // where the binaries are installed
	links := t.TempDir()   // where a package manager links them
	self := filepath.Join(install, "authctl")
	companion := filepath.Join(install, "authctl-cluster")
	for _, p := range []string{self, companion} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(links, "kubectl-authctl")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	onPath := filepath.Join(t.TempDir(), "authctl-cluster")
	dirInstall := t.TempDir() // its authctl-cluster is a directory
	if err := os.Mkdir(filepath.Join(dirInstall, "authctl-cluster"), 0o755); err != nil {
		t.Fatal(err)
	}
	noPath := func(string) (string, error) { return "", exec.ErrNotFound }
	fixed := func(p string) func() (string, error) { return func() (string, error) { return p, nil } }
	for _, tc := range []struct {
		name       string
		executable func() (string, error)
		lookPath   func(string) (string, error)
		want       string
		wantErr    string
	}{
		{"beside the binary", fixed(self), noPath, companion, ""},
		{"beside the binary a link points at", fixed(link), noPath, companion, ""},
		{"beside before PATH", fixed(self), func(string) (string, error) { return onPath, nil }, companion, ""},
		{"PATH when not beside", fixed(filepath.Join(links, "authctl")), func(string) (string, error) { return onPath, nil }, onPath, ""},
		{"not a relative executable path (the working directory)", fixed("authctl"), noPath, "", "authctl-cluster was not found beside this program or on PATH"},
		{"no executable path", func() (string, error) { return "", errors.New("no") }, noPath, "", "not found"},
		{"a directory is not a program", fixed(filepath.Join(dirInstall, "authctl")), noPath, "", "authctl-cluster was not found beside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(install) // holds an authctl-cluster: never used
			got, err := find("authctl-cluster", tc.executable, tc.lookPath)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrNotFound) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// Beside finds a regular file in the directory of self, never a directory;
// Self is argv[0] made absolute when it names a path.
func TestBesideAndSelf(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "authctl")
	if err := os.WriteFile(filepath.Join(dir, "authctl-get-token"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "authctl-cluster"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := Beside(self, "authctl-get-token"); !ok || p != filepath.Join(dir, "authctl-get-token") {
		t.Errorf("Beside: %q %v", p, ok)
	}
	if _, ok := Beside(self, "authctl-cluster"); ok {
		t.Error("a directory was taken for a program")
	}
	old := os.Args[0]
	t.Cleanup(func() { os.Args[0] = old })
	t.Chdir(dir)
	os.Args[0] = "./bin/authctl"
	if got := Self("authctl"); got != filepath.Join(dir, "bin", "authctl") {
		t.Errorf("Self with a relative path: %q", got)
	}
}
