// Package kube is authctl's connection to a cluster: cluster.Cluster (the
// seam both binaries import) on Helm (pkg/apply) and client-go. Only authctl-cluster links it; the authctl
// binary runs that for the commands that need a cluster (internal/cli's
// cluster.go says why).
package kube

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/authctl/authctl/internal/cli"
	"github.com/authctl/authctl/pkg/apply"
	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
	"github.com/authctl/authctl/pkg/secrets"
)

// Main runs the command tree with a cluster connection and returns the
// exit code: the main of authctl-cluster.
func Main(args []string) int { return cli.MainWith(args, NewFactory) }

// NewFactory is cli.NewFactory with Connect as its Cluster.
func NewFactory(streams cli.IOStreams) *cli.Factory {
	f := cli.NewFactory(streams)
	f.Cluster = Connect
	return f
}

// Connect is the one place --kubeconfig and --context become a connection
// to the cluster, as kubectl reads them; namespace may be empty (the
// context's).
func Connect(kubeconfig, context, namespace string) cluster.Cluster {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Context = &kubeconfig, &context
	if namespace != "" {
		flags.Namespace = &namespace
	}
	return Cluster{Getter: flags}
}

// Cluster implements cluster.Cluster with pkg/apply's operations.
type Cluster struct {
	Getter genericclioptions.RESTClientGetter
}

var _ cluster.Cluster = Cluster{}

// Install implements cluster.Cluster.
func (c Cluster) Install(ctx context.Context, p *profile.Profile, sf *secrets.File, chartVersion, dryRun string) (*cluster.InstallResult, error) {
	res, err := (&apply.Install{Profile: p, Secrets: sf, ChartVersion: chartVersion, DryRun: dryRun, Cluster: c.Getter}).Run(ctx)
	if err != nil {
		return nil, err
	}
	out := &cluster.InstallResult{Manifest: res.Manifest, Diff: res.Diff}
	if r := res.Release; r != nil && r.Release != nil {
		out.Release = &cluster.Release{Name: r.Release.Name, Namespace: r.Release.Namespace, Revision: r.Release.Version, Upgraded: r.Upgraded}
	}
	return out, nil
}

// History implements cluster.Cluster.
func (c Cluster) History(ctx context.Context, release, namespace string) ([]cluster.Revision, error) {
	revs, err := (&apply.History{Release: release, Namespace: namespace, Cluster: c.Getter}).Run(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]cluster.Revision, len(revs))
	for i, r := range revs {
		out[i] = cluster.Revision(r)
	}
	return out, nil
}

// Rollback implements cluster.Cluster.
func (c Cluster) Rollback(ctx context.Context, release, namespace string, revision int) error {
	return (&apply.Rollback{Release: release, Namespace: namespace, Revision: revision, Cluster: c.Getter}).Run(ctx)
}

// WaitForRollout implements cluster.Cluster.
func (c Cluster) WaitForRollout(ctx context.Context, namespace, selector string, timeout time.Duration, update func([]progress.Item)) error {
	_, cs, err := c.clientset()
	if err != nil {
		return err
	}
	r := &apply.Rollout{Client: cs, Namespace: namespace, Selector: selector}
	return r.Wait(ctx, timeout, func(ws []apply.Workload) { update(apply.Items(ws)) })
}

// Forwarder implements cluster.Cluster.
func (c Cluster) Forwarder(log io.Writer) (cluster.Forwarder, error) {
	rc, cs, err := c.clientset()
	if err != nil {
		return nil, err
	}
	return apply.KubeForwarder{Config: rc, Client: cs, Log: log}, nil
}

// SecretKeys implements cluster.Cluster.
func (c Cluster) SecretKeys(ctx context.Context, namespace, name string) ([]string, bool, error) {
	_, cs, err := c.clientset()
	if err != nil {
		return nil, false, err
	}
	s, err := cs.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, true, nil
}

// clientset connects to the cluster for what Helm does not do: following a
// rollout and port-forwarding.
func (c Cluster) clientset() (*rest.Config, kubernetes.Interface, error) {
	rc, err := c.Getter.ToRESTConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("could not connect to the cluster: %w", err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("could not connect to the cluster: %w", err)
	}
	return rc, cs, nil
}
