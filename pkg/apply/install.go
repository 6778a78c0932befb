package apply

import (
	"context"
	"fmt"

	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// Install is the install-or-upgrade operation of `authctl apply` (in the
// manner of helm's pkg/action): it renders the profile into a chart and
// installs it as the release named after the profile, or upgrades that
// release. The command only parses flags and prints what Run returns.
type Install struct {
	Profile *profile.Profile
	// Secrets is the generate policy's secrets file; nil for other policies.
	Secrets *secrets.File
	// ChartVersion is the SemVer of the chart.
	ChartVersion string
	// DryRun is "" (install or upgrade), "server" (validate against the
	// cluster and diff against the live objects, changing nothing) or
	// "client" (render the release offline, as helm template; Cluster is
	// not used).
	DryRun string
	// Cluster connects to the cluster (kubeconfig, context, namespace).
	Cluster genericclioptions.RESTClientGetter
}

// InstallResult is what Install.Run did. Manifest is set by a client dry
// run, Diff (empty: no changes) by a server dry run, Release otherwise.
type InstallResult struct {
	Manifest string
	Diff     string
	Release  *Result
}

// Run renders, builds the chart and installs, upgrades or dry-runs it.
func (i *Install) Run(ctx context.Context) (*InstallResult, error) {
	p := i.Profile
	// The release owns the objects, and Helm labels them so.
	res, err := render.Render(render.Options{Profile: p, Secrets: i.Secrets, ManagedBy: render.ManagedByHelm})
	if err != nil {
		return nil, err
	}
	ch, err := Chart(res, p.Metadata.Name, i.ChartVersion)
	if err != nil {
		return nil, err
	}
	if i.DryRun == "client" {
		// Offline, as helm template: no cluster is contacted.
		manifest, err := Template(ctx, ch, p.Metadata.Name, p.Metadata.Namespace)
		if err != nil {
			return nil, err
		}
		return &InstallResult{Manifest: manifest}, nil
	}
	if i.Cluster == nil {
		return nil, fmt.Errorf("install %q: no cluster connection", p.Metadata.Name)
	}
	c, err := NewClient(i.Cluster, p.Metadata.Name, p.Metadata.Namespace, nil)
	if err != nil {
		return nil, err
	}
	// The caller follows the rollout itself rather than Helm's silent wait.
	r, err := c.Apply(ctx, ch, Options{DryRun: i.DryRun})
	if err != nil {
		return nil, err
	}
	if i.DryRun != "" {
		d, err := c.LiveDiff(ctx, r.Release.Manifest)
		if err != nil {
			return nil, err
		}
		return &InstallResult{Diff: d, Release: r}, nil
	}
	return &InstallResult{Release: r}, nil
}
