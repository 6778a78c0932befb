//go:build unix

package kubeconfig

import (
	"io/fs"
	"os"
	"syscall"
)

// fileOwner returns the current user's uid and the file's owner.
func fileOwner(fi fs.FileInfo) (me, owner int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return os.Geteuid(), int(st.Uid), true
}
