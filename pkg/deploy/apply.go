// Package deploy holds the operations that change a running stack through
// a cluster.Cluster: Apply (install or upgrade, wait, bootstrap through
// port-forwards). It links no Helm or client-go itself; the Cluster does.
package deploy

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
	"github.com/authctl/authctl/pkg/secrets"
)

// Apply is `authctl apply` as one operation, in the manner of helm's
// action.Install with its Wait inside: install or upgrade the release named
// after the profile, then (Wait) follow its rollout, then (Bootstrap)
// forward the admin Services to loopback and bootstrap through them.
type Apply struct {
	Profile      *profile.Profile
	Secrets      *secrets.File
	ChartVersion string
	// DryRun is "" or "server"; a server dry run stops after Install (its
	// Diff is in the result). A client dry run needs no cluster
	// (render.Render with render.ManagedByHelm).
	DryRun  string
	Wait    bool
	Timeout time.Duration
	Cluster cluster.Cluster
	// Forwarder replaces the Cluster's port-forward; nil forwards through
	// the Cluster. test/e2e sets it: its kube-apiserver runs no kubelet
	// that a port-forward could reach.
	Forwarder cluster.Forwarder
	// Log receives what happens (stderr); Rollout, called when the wait
	// starts, returns what draws it (nil: nothing drawn).
	Log     io.Writer
	Rollout func() progress.List
	// Bootstrap, when set, is run after the install (and the wait) with
	// Profile and the forwarded admin URLs filled in, by RunBootstrap
	// (nil: Bootstrap.Run, its summary dropped), which prints its summary.
	Bootstrap    *ory.Bootstrap
	RunBootstrap func(context.Context, *ory.Bootstrap) error
}

// Run applies the stack and returns what Install did.
func (a *Apply) Run(ctx context.Context) (*cluster.InstallResult, error) {
	p := a.Profile
	res, err := a.Cluster.Install(ctx, p, a.Secrets, a.ChartVersion, a.DryRun)
	if err != nil || a.DryRun != "" {
		return res, err
	}
	r := res.Release
	verb := "installed"
	if r.Upgraded {
		verb = "upgraded"
	}
	fmt.Fprintf(a.Log, "%s release %q in namespace %q, revision %d\n", verb, r.Name, r.Namespace, r.Revision)
	if a.Wait {
		if err := a.wait(ctx); err != nil {
			return res, err
		}
	}
	if a.Bootstrap != nil {
		return res, a.bootstrap(ctx)
	}
	return res, nil
}

// wait follows the release's Deployments and Jobs; on timeout the error
// carries the events of the pods that are not ready.
func (a *Apply) wait(ctx context.Context) error {
	name := a.Profile.Metadata.Name
	fmt.Fprintf(a.Log, "waiting up to %v for the workloads of %q to become ready\n", a.Timeout, name)
	var list progress.List = nopList{}
	if a.Rollout != nil {
		list = a.Rollout()
	}
	err := a.Cluster.WaitForRollout(ctx, a.Profile.Metadata.Namespace, "app.kubernetes.io/instance="+name, a.Timeout, list.Update)
	list.Close(err)
	return err
}

// bootstrap forwards the Kratos and Hydra admin Services to loopback (they
// are never exposed) and runs the bootstrap against them.
func (a *Apply) bootstrap(ctx context.Context) error {
	fwd := a.Forwarder
	if fwd == nil {
		var err error
		if fwd, err = a.Cluster.Forwarder(a.Log); err != nil {
			return err
		}
	}
	p := a.Profile
	w, c := p.Wiring(), p.Spec.Components
	// Kratos' public Service too: its admin port only redirects the
	// identity schemas to the public base URL, which need not resolve here.
	hasIdentities := p.Spec.Bootstrap.Identities != ""
	urls, stop, err := cluster.Forward(ctx, fwd, a.Log, w.Namespace, []cluster.Target{
		{Service: w.KratosAdminService, Port: profile.KratosAdminPort, Skip: !profile.On(c.Kratos.Enabled)},
		{Service: w.KratosPublicService, Port: profile.KratosPublicPort, Skip: !profile.On(c.Kratos.Enabled) || !hasIdentities},
		{Service: w.HydraAdminService, Port: profile.HydraAdminPort, Skip: !profile.On(c.Hydra.Enabled)},
	})
	if err != nil {
		return err
	}
	defer stop()
	b := a.Bootstrap
	b.Profile = p
	b.KratosAdminURL, b.KratosPublicURL, b.HydraAdminURL = urls[0], urls[1], urls[2]
	if a.RunBootstrap != nil {
		return a.RunBootstrap(ctx, b)
	}
	_, err = b.Run(ctx)
	return err
}

type nopList struct{}

func (nopList) Update([]progress.Item) {}
func (nopList) Close(error)            {}
