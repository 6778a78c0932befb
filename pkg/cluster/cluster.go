// Package cluster is the seam between authctl and a Kubernetes cluster:
// the interface the commands and operations call (install, history,
// rollback, following a rollout, port-forwarding, listing a Secret's
// keys), the result types, and the one port-forward loop. It links no
// Helm and no client-go, so both binaries import it: authctl-cluster
// implements Cluster (internal/cli/kube, on pkg/apply), authctl only
// names it.
package cluster

import (
	"context"
	"io"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
	"github.com/authctl/authctl/pkg/secrets"
)

// Cluster is everything authctl does through Helm and client-go. Those
// libraries' package init alone cost every command more than a whole
// render (issue 15), and Go runs the init of every linked package, so the
// authctl binary does not link them: a command that needs a Cluster runs
// authctl-cluster, which has one.
type Cluster interface {
	// Install renders the profile into a chart and installs or upgrades
	// the release named after it; dryRun is "", "server" or "client".
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

// Connect opens the connection --kubeconfig and --context name; namespace
// may be empty (the context's).
type Connect func(kubeconfig, context, namespace string) Cluster

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
