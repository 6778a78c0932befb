//go:build !windows

package cli

import (
	"fmt"
	"syscall"
)

// execProcess replaces this process with path, as a shell's exec does: the
// companion's exit code, output and signals are the command's own.
func execProcess(path string, argv, env []string) error {
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("could not run %s: %w", path, err)
	}
	return nil // not reached
}
