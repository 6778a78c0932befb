package stack

import "syscall"

// sysProcAttr puts the server in its own process group (so Stop can signal
// it and every child it forks) and asks the kernel to kill it if the test
// binary dies without running its cleanups (for example on a -timeout panic).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
