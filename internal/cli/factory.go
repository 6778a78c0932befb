package cli

import (
	"net/http"
	"os"
	"time"

	"github.com/authctl/authctl/pkg/cluster"
)

// Factory is what commands take from outside the process, in one place so
// that a test can replace each part (in the manner of gh's
// cmdutil.Factory): the streams, the environment, the clock, the HTTP
// client for plain API calls and the connection to a cluster. Commands
// keep it in their closures, never in their options, so that flag tests
// compare options alone.
type Factory struct {
	IOStreams IOStreams
	// Getenv reads the environment.
	Getenv func(string) string
	// Now is the clock.
	Now func() time.Time
	// HTTPClient is the client for calls that need nothing special (TLS
	// verified with the system roots, proxy from the environment).
	HTTPClient func() *http.Client
	// Cluster is the connection to a kubeconfig context; namespace may be
	// empty (the context's). Nil in the authctl binary: a command that
	// needs it runs authctl-cluster instead
	// (runWithCluster, in cluster.go).
	Cluster cluster.Connect
	// Args are the process's arguments (nil when the tree is not run by
	// Main), handed on to authctl-cluster.
	Args []string
	// Exec replaces the process with another program (syscall.Exec).
	Exec func(path string, argv, env []string) error
}

// NewFactory is the real world: the process's environment and clock,
// http.DefaultClient, and no cluster connection (see Cluster).
func NewFactory(streams IOStreams) *Factory {
	return &Factory{
		IOStreams:  streams,
		Getenv:     os.Getenv,
		Now:        time.Now,
		HTTPClient: func() *http.Client { return http.DefaultClient },
		Exec:       execProcess,
	}
}
