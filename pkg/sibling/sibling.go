// Package sibling finds a program installed together with the running one:
// authctl-get-token finds authctl, and authctl finds authctl-cluster. It
// uses the standard library only (the exec plugin links it).
package sibling

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// ErrNotFound is wrapped by Find's error when name is nowhere to be found.
var ErrNotFound = errors.New("not found")

// Find returns the path of the program name: beside the running binary,
// its symlinks resolved (krew and Homebrew install links), else on PATH.
// Never the working directory: an executable path that is not absolute is
// not trusted, and exec.LookPath refuses PATH's relative entries. On
// Windows ".exe" is added to name.
func Find(name string) (string, error) {
	return find(name, os.Executable, exec.LookPath)
}

func find(name string, executable func() (string, error), lookPath func(string) (string, error)) (string, error) {
	if runtime.GOOS == "windows" && filepath.Ext(name) == "" {
		name += ".exe"
	}
	self := "this program"
	if exe, err := executable(); err == nil && filepath.IsAbs(exe) {
		if s, err := filepath.EvalSymlinks(exe); err == nil {
			exe = s
		}
		self = exe
		if p := filepath.Join(filepath.Dir(exe), name); isFile(p) {
			return p, nil
		}
	}
	if p, err := lookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s was %w beside %s or on PATH", name, ErrNotFound, self)
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
