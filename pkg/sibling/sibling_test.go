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
