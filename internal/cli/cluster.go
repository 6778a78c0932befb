package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/sibling"
)

// The cluster seam lives in pkg/cluster, which both binaries import: the
// authctl binary links no Helm or client-go (their package init alone cost
// every command more than a whole render, issue 15), so its Factory has no
// Cluster, and a command that needs one runs authctl-cluster
// (cmd/authctl-cluster: this same command tree, with internal/cli/kube's
// Cluster) with the same arguments. These names keep the commands short.
type (
	Cluster       = cluster.Cluster
	Forwarder     = cluster.Forwarder
	InstallResult = cluster.InstallResult
	Release       = cluster.Release
	Revision      = cluster.Revision
)

// CompanionName is the binary that holds the Cluster.
const CompanionName = "authctl-cluster"

// clusterNeed is a run's declaration that it needs a cluster: the
// connection flags, and the namespace (may be empty: the context's).
type clusterNeed struct{ kubeconfig, context, namespace string }

// runWithCluster is how every command that may need a cluster runs, so that
// the dispatch to authctl-cluster happens in one place: prepare checks the
// flags and reads the profile, printing nothing, and returns the need (nil:
// this run needs no cluster); then the connection is made, or, in the
// authctl binary, the companion replaces this process (its output, exit
// code and signals are the command's own); only then does run, which
// prints, get the connection (nil when none was needed).
func (f *Factory) runWithCluster(prepare func() (*clusterNeed, error), run func(Cluster) error) error {
	need, err := prepare()
	if err != nil {
		return err
	}
	if need == nil {
		return run(nil)
	}
	if f.Cluster == nil {
		if err := f.runCompanion(); err != nil {
			return err
		}
		// Only an Exec that returns (a test's) gets here.
		return errCompanionRan
	}
	return run(f.Cluster(need.kubeconfig, need.context, need.namespace))
}

var errCompanionRan = errors.New(CompanionName + " ran in this process's place")

// runCompanion execs authctl-cluster, found beside this binary or on PATH
// (sibling.Find), with the arguments this process was started with.
func (f *Factory) runCompanion() error {
	if f.Args == nil {
		return fmt.Errorf("this command needs a cluster connection, which this build has none of")
	}
	path, err := sibling.Find(CompanionName)
	if err != nil {
		return withHint(fmt.Errorf("%w; it holds the commands that talk to a cluster (apply, history, rollback, doctor --context), so that authctl itself starts fast", err),
			"install it beside authctl: go install github.com/authctl/authctl/cmd/"+CompanionName+"@latest (from a clone: go install ./cmd/...), or use a release archive, which has all three binaries")
	}
	return f.Exec(path, append([]string{CompanionName}, f.Args...), os.Environ())
}
