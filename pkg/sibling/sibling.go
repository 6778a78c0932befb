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
	"strings"
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
	name = programName(name)
	self := "this program"
	if exe, err := executable(); err == nil && filepath.IsAbs(exe) {
		if s, err := filepath.EvalSymlinks(exe); err == nil {
			exe = s
		}
		self = exe
		if p, ok := Beside(exe, name); ok {
			return p, nil
		}
	}
	if p, err := lookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s was %w beside %s or on PATH", name, ErrNotFound, self)
}

// programName adds ".exe" on Windows.
func programName(name string) string {
	if runtime.GOOS == "windows" && filepath.Ext(name) == "" {
		return name + ".exe"
	}
	return name
}

// Beside returns the program name in the directory of the program at self,
// and whether it is there (a regular file; ".exe" added on Windows).
func Beside(self, name string) (string, bool) {
	p := filepath.Join(filepath.Dir(self), programName(name))
	return p, isFile(p)
}

// Self is the running program as it was invoked, symlinks kept (an
// upgrade moves the target, not the link; os.Executable resolves them):
// argv[0] made absolute, else argv[0] found on PATH, else os.Executable,
// else fallback.
func Self(fallback string) string {
	if arg0 := os.Args[0]; strings.ContainsRune(arg0, os.PathSeparator) {
		if abs, err := filepath.Abs(arg0); err == nil {
			return abs
		}
	} else if p, err := exec.LookPath(arg0); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	p, err := os.Executable()
	if err != nil {
		return fallback
	}
	return p
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
