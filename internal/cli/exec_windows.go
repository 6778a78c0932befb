//go:build windows

package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// execProcess runs path with this process's streams and exits with its
// code: Windows has no exec that replaces a process.
func execProcess(path string, argv, env []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("could not run %s: %w", path, err)
	}
	os.Exit(0)
	return nil
}
