package cli

import (
	"net/http"
	"os"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
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
	// empty (the context's).
	Cluster func(kubeconfig, context, namespace string) genericclioptions.RESTClientGetter
}

// NewFactory is the real world: the process's environment and clock,
// http.DefaultClient, and kubeconfig files as kubectl reads them.
func NewFactory(streams IOStreams) *Factory {
	return &Factory{
		IOStreams:  streams,
		Getenv:     os.Getenv,
		Now:        time.Now,
		HTTPClient: func() *http.Client { return http.DefaultClient },
		Cluster:    kubeconfigCluster,
	}
}

// kubeconfigCluster is the one place --kubeconfig and --context become a
// connection to the cluster.
func kubeconfigCluster(kubeconfig, context, namespace string) genericclioptions.RESTClientGetter {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Context = &kubeconfig, &context
	if namespace != "" {
		flags.Namespace = &namespace
	}
	return flags
}
