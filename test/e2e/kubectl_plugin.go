package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/authctl/authctl/test/e2e/stack"
)

// BuildPlugin builds authctl and authctl-get-token into one directory (the
// plugin finds authctl next to itself on a cache miss) and returns it.
func BuildPlugin(t *testing.T) string {
	t.Helper()
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, pkg := range []string{"./cmd/authctl", "./cmd/authctl-get-token"} {
		cmd := exec.Command("go", "build", "-o", dir+"/", pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return dir
}

// PTY opens a pseudo-terminal; its slave end as kubectl's stdin makes
// kubectl report spec.interactive=true to the plugin, as in a real shell.
func PTY(t *testing.T) *os.File {
	t.Helper()
	_, s := PTYPair(t)
	return s
}

// PTYPair is PTY with its master side, which writes what a person types.
func PTYPair(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// WhoAmI reads `kubectl auth whoami -o json`: the user the API server
// authenticated, and its groups.
func WhoAmI(t testing.TB, out string) (username string, groups []string) {
	t.Helper()
	var r struct {
		Status struct {
			UserInfo struct {
				Username string   `json:"username"`
				Groups   []string `json:"groups"`
			} `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("kubectl auth whoami output %q: %v", out, err)
	}
	return r.Status.UserInfo.Username, r.Status.UserInfo.Groups
}
