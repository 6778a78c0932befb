//go:build !linux

package stack

import "syscall"

// sysProcAttr puts the server in its own process group so Stop can signal
// it and every child it forks.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
