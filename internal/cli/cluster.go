package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
	"github.com/authctl/authctl/pkg/secrets"
	"github.com/authctl/authctl/pkg/sibling"
)

// Cluster is everything authctl does through Helm and client-go: install,
// history, rollback, following a rollout and port-forwarding. Those
// libraries' package init alone cost every command more than a whole
// render (issue 15), and Go runs the init of every linked package, so the
// authctl binary does not link them. Its Factory has no Cluster; a command
// that needs one runs authctl-cluster (cmd/authctl-cluster: this same
// command tree, with internal/cli/kube's Cluster) with the same arguments.
type Cluster interface {
	// Install renders the profile into a chart and installs or upgrades
	// the release named after it; dryRun is "", "server" or "client" (see
	// apply --help).
	Install(ctx context.Context, p *profile.Profile, sf *secrets.File, chartVersion, dryRun string) (*InstallResult, error)
	// History lists the release's revisions, oldest first.
	History(ctx context.Context, release, namespace string) ([]Revision, error)
	// Rollback rolls the release back to revision (0: the previous one).
	Rollback(ctx context.Context, release, namespace string, revision int) error
	// WaitForRollout follows the Deployments and Jobs the selector picks
	// until they are ready or timeout passes, reporting each poll.
	WaitForRollout(ctx context.Context, namespace, selector string, timeout time.Duration, update func([]progress.Item)) error
	// Forwarder port-forwards Services to loopback; log receives its
	// messages.
	Forwarder(log io.Writer) (Forwarder, error)
	// SecretKeys lists the keys of a Secret, never its values; found is
	// false when it does not exist (doctor's Secret checks).
	SecretKeys(ctx context.Context, namespace, name string) (keys []string, found bool, err error)
}

// InstallResult is what Install did: Manifest for a client dry run, Diff
// (empty: no changes) for a server dry run, the release otherwise.
type InstallResult struct {
	Manifest string
	Diff     string
	Release  *Release
}

// Release is an installed or upgraded release.
type Release struct {
	Name, Namespace string
	Revision        int
	Upgraded        bool
}

// Revision is one Helm revision of the stack's release, as `authctl
// history` prints it.
type Revision struct {
	Revision    int    `json:"revision"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

// Forwarder makes a Service port reachable on loopback and returns its URL.
type Forwarder interface {
	Forward(ctx context.Context, namespace, service string, port int) (localURL string, stop func(), err error)
}

// CompanionName is the binary that holds the Cluster.
const CompanionName = "authctl-cluster"

// cluster returns the factory's connection to a kubeconfig context, or
// runs the companion binary with the process's arguments when this binary
// has none. The companion replaces this process (its output, exit code and
// signals are the command's own), so a nil error means "connected".
func (f *Factory) cluster(kubeconfig, context, namespace string) (Cluster, error) {
	if f.Cluster != nil {
		return f.Cluster(kubeconfig, context, namespace), nil
	}
	if err := f.runCompanion(); err != nil {
		return nil, err
	}
	// Only an Exec that returns (a test's) gets here.
	return nil, errCompanionRan
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
