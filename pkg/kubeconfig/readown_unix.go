//go:build unix

package kubeconfig

import (
	"io/fs"
	"syscall"
)

// readOwn reads the file at path unless another user owns it, and returns
// the current user's uid and the file's owner (the checked owner is the
// opened file's, so a rename between the check and the read cannot swap
// it). It calls open, fstat and read directly: os.Open registers every
// file with the runtime's poller (an epoll instance, an eventfd, a thread
// woken to poll them and four fcntl calls), which on the cache-hit path
// costs more than reading the entry.
func readOwn(path string) (data []byte, me, owner int, err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, 0, 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		return nil, 0, 0, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	me, owner = syscall.Geteuid(), int(st.Uid)
	if owner != me {
		return nil, me, owner, nil
	}
	buf := make([]byte, 0, max(int(st.Size)+1, 512))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, 0, 0, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, me, owner, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		if err := syscall.Fstat(fd, st); err != syscall.EINTR {
			return err
		}
	}
}
