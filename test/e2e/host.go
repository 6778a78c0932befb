package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"github.com/authctl/authctl/test/e2e/stack"
)

// Host is another machine as far as TCP goes: a network namespace of the
// test's own with nothing but its loopback interface, held by a process
// the test starts and kills (no interface, route or mount is added to the
// machine, and the namespace is gone with its last process). It stands
// for an SSH host or a container: its 127.0.0.1 is not the browser's.
type Host struct {
	holder *exec.Cmd
}

// StartHost creates the namespace. It needs root (unshare --net).
func StartHost(t *testing.T) *Host {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("a separate host needs root (unshare --net): run as root, as CI does")
	}
	cmd := exec.Command("unshare", "--net", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep 3600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare --net: %v", err)
	}
	h := &Host{holder: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "up\n" {
		t.Fatalf("the host's loopback did not come up: %q %v", line, err)
	}
	return h
}

// Command returns cmd run inside the host (nsenter into its network
// namespace only: files, users and processes are shared).
func (h *Host) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"-t", strconv.Itoa(h.holder.Process.Pid), "-n", "--", name}, args...)...)
}

// Forward makes the host's 127.0.0.1:PORT reach the test machine's
// 127.0.0.1:PORT, for each loopback address given (an issuer, an API
// server): the host can call them, and nothing else of the test machine.
func (h *Host) Forward(t *testing.T, addrs ...string) {
	t.Helper()
	for _, addr := range addrs {
		l, err := stack.ListenInNetns(fmt.Sprintf("/proc/%d/ns/net", h.holder.Process.Pid), addr)
		if err != nil {
			t.Fatalf("listen on %s in the host: %v", addr, err)
		}
		stack.ServeForward(t, l, addr)
	}
}
