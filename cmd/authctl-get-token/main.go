// Command authctl-get-token is authctl's lean client-go exec credential
// plugin, the command `authctl kubeconfig setup` writes into kubeconfigs
// when it is installed next to authctl or on PATH.
//
// kubectl runs the plugin before every request, so its cache hit must cost
// about as much as starting a process. Go runs the initialisers of every
// linked package, and authctl links kustomize, the Ory clients, the
// terminal UI and the render (Helm's action and client-go live in
// authctl-cluster). This binary links only pkg/kubeconfig's cache-hit
// path (no net/http, no TLS: deps_test.go keeps it so; the cache hit
// itself reads and writes its JSON by hand, see pkg/kubeconfig/jsonlite.go).
// On a miss it hands the same arguments,
// environment and standard streams to `authctl get-token`, which refreshes
// or logs in under the cache lock and prints the ExecCredential.
//
// authctl is found through $AUTHCTL_BIN, next to this binary, or on PATH.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/sibling"
)

func main() {
	args := kubeconfig.KlogVerbosity(os.Args[1:])
	if kubeconfig.FastPath(args, os.Getenv, os.Stdout, time.Now()) {
		return
	}
	bin, err := authctlPath()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(kubeconfig.ExitError)
	}
	cmd := exec.Command(bin, append([]string{"get-token"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: could not run %s get-token: %v\n", bin, err)
		os.Exit(kubeconfig.ExitError)
	}
}

func authctlPath() (string, error) {
	if p := os.Getenv("AUTHCTL_BIN"); p != "" {
		return p, nil
	}
	p, err := sibling.Find("authctl")
	if err != nil {
		return "", errors.New("no valid token is cached and authctl, which logs in, is neither next to authctl-get-token nor on PATH (or set AUTHCTL_BIN)")
	}
	return p, nil
}
