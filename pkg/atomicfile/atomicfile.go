// Package atomicfile writes files so that a reader sees the old content or
// the new, never a partial write: a temp file in the same directory, fsync,
// then rename (or, for Create, a hard link that fails if the path exists).
//
// It is the one file writer of authctl; the kubectl exec plugin links it, so
// it imports only the standard library.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned by Create when path already exists.
var ErrExists = errors.New("file exists")

// Write replaces path with data and mode atomically. The errors are the
// operating system's (they name the file); callers add their own context.
func Write(path string, data []byte, mode fs.FileMode) error {
	tmp, err := temp(path, data, mode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Rename(tmp, path)
}

// Create writes a new file at path atomically and fails with ErrExists if
// path exists, also when it appears while the data is written: the final
// step is a hard link, so a concurrent writer's file is never replaced.
func Create(path string, data []byte, mode fs.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		return ErrExists
	}
	tmp, err := temp(path, data, mode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		return err
	}
	return nil
}

// temp writes data to a synced temp file beside path and returns its name.
func temp(path string, data []byte, mode fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
