package wizard

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/authctl/authctl/pkg/atomicfile"
)

// ErrExists is returned by WriteFile when the file exists and force is off.
var ErrExists = atomicfile.ErrExists

// WriteFile creates the missing parent folders and writes data to path
// atomically: readers see the old file or the new one, never a partial
// write. Without force an existing file is kept, also one that appears
// while the data is written (atomicfile.Create).
func WriteFile(path string, data []byte, force bool) error {
	dir := filepath.Dir(path)
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("could not write %s: %w", path, ErrExists)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("could not create %s: %w", dir, err)
	}
	write := atomicfile.Create
	if force {
		write = atomicfile.Write
	}
	if err := write(path, data, 0o644); err != nil {
		return fmt.Errorf("could not write %s: %w", path, err)
	}
	return nil
}
