package wizard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned by WriteFile when the file exists and force is off.
var ErrExists = errors.New("file exists")

// WriteFile creates the missing parent folders and writes data to path
// atomically: readers see the old file or the
// new one, never a partial write. Without force an existing file is kept;
// the final step is a hard link, which fails if path appeared meanwhile, so
// there is no window in which a concurrent writer's file is replaced.
func WriteFile(path string, data []byte, force bool) error {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("could not write %s: %w", path, ErrExists)
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("could not create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("could not write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("could not write %s: %w", path, err)
	}
	if force {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
		if errors.Is(err, fs.ErrExist) {
			err = ErrExists
		}
	}
	if err != nil {
		return fmt.Errorf("could not write %s: %w", path, err)
	}
	return nil
}
