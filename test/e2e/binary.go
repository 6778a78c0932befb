package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/authctl/authctl/test/e2e/stack"
)

// Authctl builds authctl and authctl-cluster from this tree into one
// directory, as a release archive ships them, and returns authctl's path:
// its cluster commands run the authctl-cluster beside it. Built once per
// test binary; Main removes the directory.
func Authctl(t *testing.T) string {
	t.Helper()
	builtBinaries.Do(func() {
		root, err := stack.RepoRoot()
		if err != nil {
			builtBinaries.err = err
			return
		}
		if builtBinaries.dir, err = os.MkdirTemp("", "authctl-e2e-bin-"); err != nil {
			builtBinaries.err = err
			return
		}
		cmd := exec.Command("go", "build", "-o", builtBinaries.dir+string(filepath.Separator), "./cmd/authctl", "./cmd/authctl-cluster")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			builtBinaries.err = fmt.Errorf("go build ./cmd/authctl ./cmd/authctl-cluster: %w\n%s", err, out)
		}
	})
	if builtBinaries.err != nil {
		t.Fatal(builtBinaries.err)
	}
	return filepath.Join(builtBinaries.dir, "authctl")
}

var builtBinaries struct {
	sync.Once
	dir string
	err error
}

// Main runs a test package's tests and removes what Authctl built: each
// subject package's TestMain calls it.
func Main(m *testing.M) {
	code := m.Run()
	if builtBinaries.dir != "" {
		os.RemoveAll(builtBinaries.dir)
	}
	os.Exit(code)
}

// Result is what an authctl run printed and its exit code.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs authctl with args (and env additions) and returns its output.
func Run(t *testing.T, bin string, env []string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("authctl %s -> %d\nstderr:\n%s", strings.Join(args, " "), code, errOut.String())
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: code}
}
