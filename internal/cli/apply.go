package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/deploy"
	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// ApplyOptions are the flags of `authctl apply`.
type ApplyOptions struct {
	ProfileFile string
	SecretsFile string
	Kubeconfig  string
	Context     string
	DryRun      string
	// ShowSecrets prints Secret data in a client dry run's manifest.
	ShowSecrets bool
	Wait        bool
	Timeout     time.Duration
	// Bootstrap runs `authctl bootstrap` through port-forwards afterwards.
	Bootstrap           bool
	BootstrapSecretsOut string

	// Forwarder replaces the Kubernetes port-forward of --bootstrap; nil
	// forwards through the cluster. No flag sets it: test/e2e does, because
	// its kube-apiserver runs no kubelet that a port-forward could reach.
	Forwarder Forwarder

	// factory is set when the command runs (nil: NewFactory), never by a
	// flag, so flag tests compare the options alone.
	factory *Factory
}

func (o *ApplyOptions) world(streams IOStreams) *Factory {
	if o.factory == nil {
		o.factory = NewFactory(streams)
	}
	return o.factory
}

// Validate checks flag combinations.
func (o *ApplyOptions) Validate() error {
	if o.ProfileFile == "" {
		return flagErrorf("required flag -f/--filename is missing")
	}
	switch o.DryRun {
	case "", "none", "client", "server":
	default:
		return flagErrorf("unknown --dry-run %q (allowed: none, client, server)", o.DryRun)
	}
	if o.DryRun == "none" {
		o.DryRun = ""
	}
	if o.Bootstrap && o.DryRun != "" {
		return flagErrorf("--bootstrap writes to the admin APIs; it cannot be combined with --dry-run")
	}
	if o.ShowSecrets && o.DryRun != "client" {
		return flagErrorf("--show-secrets is for --dry-run=client (a server dry run always redacts Secret values)")
	}
	if o.BootstrapSecretsOut != "" && !o.Bootstrap {
		return flagErrorf("--bootstrap-secrets-out needs --bootstrap")
	}
	return nil
}

func addClusterFlags(cmd *cobra.Command, o *ApplyOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile file")
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&o.Context, "context", "", "kubeconfig context (default: the current context)")
}

func newApplyCommand(factory *Factory, runF func(*ApplyOptions) error) *cobra.Command {
	streams := factory.IOStreams
	o := &ApplyOptions{}
	cmd := &cobra.Command{
		Use:   "apply -f PROFILE [--dry-run=server] [--wait]",
		Short: "Install or upgrade the rendered stack as a Helm release",
		Long: `Apply renders the profile and installs it into the current kube context as a
Helm release named after the profile, in the profile's namespace, or
upgrades the release when it exists. Because it is a real Helm release,
'helm history' and 'helm rollback' (or 'authctl history' and 'authctl
rollback') work on it.

--dry-run=server validates against the cluster without changing it and
prints a diff against the live objects on stdout (Secret values redacted).
--dry-run=client (or a bare --dry-run, as in kubectl and helm) contacts no
cluster at all and needs no authctl-cluster:
it prints the release's manifest on stdout, byte for byte what Helm's client
dry run prints, with every Secret replaced by Helm's "# HIDDEN" line
(CI logs keep stdout); add --show-secrets to see their data.`,
		Example: `  authctl apply -f profile.yaml --dry-run=server
  authctl apply -f profile.yaml --wait --timeout 5m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			o.factory = factory
			return runApply(cmd, streams, o)
		},
	}
	addClusterFlags(cmd, o)
	f := cmd.Flags()
	f.StringVar(&o.SecretsFile, "secrets-file", "", "secrets file for the generate policy (default: spec.secrets.file)")
	f.StringVar(&o.DryRun, "dry-run", "", `"server" validates against the cluster and prints a diff; "client" (also a bare --dry-run, as in kubectl and helm) renders offline and prints the manifest`)
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.BoolVar(&o.ShowSecrets, "show-secrets", false, "with --dry-run=client: print Secret data instead of Helm's \"# HIDDEN\" line")
	f.BoolVar(&o.Wait, "wait", false, "wait until every workload is ready")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "how long --wait waits")
	f.BoolVar(&o.Bootstrap, "bootstrap", false, "then run bootstrap (the profile's bootstrap section) against the in-cluster admin APIs through port-forwards")
	f.StringVar(&o.BootstrapSecretsOut, "bootstrap-secrets-out", "", "with --bootstrap: where generated client secrets go (as bootstrap --secrets-out)")
	return cmd
}

// RunApply validates o and runs apply on f, as the command does after
// parsing its flags.
func RunApply(ctx context.Context, f *Factory, o *ApplyOptions) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.factory = f
	cmd := newApplyCommand(f, nil)
	cmd.SetContext(ctx)
	return runApply(cmd, f.IOStreams, o)
}

func runApply(cmd *cobra.Command, streams IOStreams, o *ApplyOptions) error {
	f := o.world(streams)
	var p *profile.Profile
	var sf *secrets.File
	return f.runWithCluster(func() (*clusterNeed, error) {
		var err error
		if p, sf, err = loadProfileAndSecrets(cmd.Context(), o.ProfileFile, o.SecretsFile, profile.LoadOptions{}); err != nil {
			return nil, err
		}
		if o.DryRun == "client" {
			return nil, nil
		}
		return &clusterNeed{o.Kubeconfig, o.Context, p.Metadata.Namespace}, nil
	}, func(c Cluster) error {
		if c == nil {
			return applyClientDryRun(streams, o, p, sf)
		}
		a := &deploy.Apply{
			Profile: p, Secrets: sf, ChartVersion: chartVersion(), DryRun: o.DryRun,
			Wait: o.Wait, Timeout: o.Timeout, Cluster: c, Forwarder: o.Forwarder, Log: streams.ErrOut,
			Rollout: func() progress.List {
				if streams.IsStderrTTY() {
					return progress.NewTUIList(streams.ErrOut)
				}
				return progress.NewPlainList(streams.ErrOut)
			},
		}
		if o.Bootstrap {
			// The operation itself, with bootstrap's defaults: no argv is built.
			b := ory.NewBootstrap()
			b.SecretsOut = o.BootstrapSecretsOut
			b.Stdout, b.Getenv = streams.Out, f.Getenv
			a.Bootstrap = b
			a.RunBootstrap = func(ctx context.Context, b *ory.Bootstrap) error {
				return runBootstrapOperation(ctx, streams, b, outputText, "auto")
			}
		}
		res, err := a.Run(cmd.Context())
		if err != nil || o.DryRun != "server" {
			return err
		}
		if res.Diff == "" {
			fmt.Fprintln(streams.ErrOut, "no changes")
			return nil
		}
		_, err = fmt.Fprint(streams.Out, res.Diff)
		return err
	})
}

// applyClientDryRun is --dry-run=client: offline, in this process (no
// authctl-cluster), the manifest Helm's client dry run would print,
// Secrets hidden as Helm's --hide-secret does unless asked for, since CI
// logs keep stdout.
func applyClientDryRun(streams IOStreams, o *ApplyOptions, p *profile.Profile, sf *secrets.File) error {
	res, err := render.Render(render.Options{Profile: p, Secrets: sf, ManagedBy: render.ManagedByHelm})
	if err != nil {
		return err
	}
	note := "Secret data hidden (--show-secrets prints it)"
	if o.ShowSecrets {
		note = "Secret data included (--show-secrets)"
	}
	fmt.Fprintf(streams.ErrOut, "client dry run: rendered release %q offline; nothing was sent to a cluster; %s (--dry-run=server validates and diffs)\n", p.Metadata.Name, note)
	_, err = fmt.Fprint(streams.Out, res.ReleaseManifest(p.Metadata.Name, !o.ShowSecrets))
	return err
}

// chartVersion is the SemVer of the charts this build renders and installs:
// the release version, or 0.0.0-dev+<commit> for any other build.
func chartVersion() string { return build().ChartVersion() }

// releaseRef is how history and rollback name the release: the profile
// (-f: its name and namespace), or, as in helm, the release name and -n.
type releaseRef struct {
	o         *ApplyOptions
	namespace string
}

// need says which release (name and namespace) and which connection a
// run needs; name is the RELEASE argument ("" with -f, which reads only
// the profile's name and namespace: history and rollback do not render,
// so they need no secrets file).
func (r *releaseRef) need(name string) (string, string, *clusterNeed, error) {
	ns := r.namespace
	if r.o.ProfileFile != "" {
		p, err := profile.Load(r.o.ProfileFile)
		if err != nil {
			return "", "", nil, err
		}
		name, ns = p.Metadata.Name, p.Metadata.Namespace
	}
	return name, ns, &clusterNeed{r.o.Kubeconfig, r.o.Context, ns}, nil
}

// run runs do on the release's cluster, dispatched once (runWithCluster).
func (r *releaseRef) run(name string, do func(c Cluster, name, namespace string) error) error {
	var ns string
	return r.o.world(IOStreams{}).runWithCluster(func() (*clusterNeed, error) {
		var need *clusterNeed
		var err error
		name, ns, need, err = r.need(name)
		return need, err
	}, func(c Cluster) error { return do(c, name, ns) })
}

// validate checks that the release is named one way, and completely.
func (r *releaseRef) validate(name string) error {
	switch {
	case r.o.ProfileFile != "" && name != "":
		return flagErrorf("give the release either with -f PROFILE or as RELEASE -n NAMESPACE, not both")
	case r.o.ProfileFile == "" && name == "":
		return flagErrorf("required: -f PROFILE, or the release name and -n NAMESPACE (as in helm)")
	case r.o.ProfileFile == "" && r.namespace == "":
		return flagErrorf("release %q: add -n NAMESPACE (the profile's metadata.namespace)", name)
	}
	return nil
}

func addReleaseFlags(cmd *cobra.Command, r *releaseRef) {
	addClusterFlags(cmd, r.o)
	cmd.Flags().StringVarP(&r.namespace, "namespace", "n", "", "namespace of RELEASE (without -f)")
}

func newHistoryCommand(factory *Factory) *cobra.Command {
	streams := factory.IOStreams
	r := &releaseRef{o: &ApplyOptions{factory: factory}}
	var output string
	cmd := &cobra.Command{
		Use:   "history (-f PROFILE | RELEASE -n NAMESPACE)",
		Short: "List the Helm revisions of the stack",
		Long: `History lists the revisions of the Helm release authctl apply installed, as
'helm history' does: the release is named after the profile
(metadata.name) in its namespace, so give the profile with -f, or the
release name and -n as you would to helm.`,
		Example: `  authctl history -f profile.yaml
  authctl history dev -n auth -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			if err := r.validate(name); err != nil {
				return err
			}
			if err := checkOutput(output, outputTable); err != nil {
				return err
			}
			return r.run(name, func(c Cluster, name, ns string) error {
				revs, err := c.History(cmd.Context(), name, ns)
				if err != nil {
					return err
				}
				if isDataFormat(output) {
					return printData(streams.Out, output, revs)
				}
				tw := tabwriter.NewWriter(streams.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "REVISION\tSTATUS\tDESCRIPTION")
				for _, r := range revs {
					fmt.Fprintf(tw, "%d\t%s\t%s\n", r.Revision, r.Status, r.Description)
				}
				return tw.Flush()
			})
		},
	}
	addReleaseFlags(cmd, r)
	addOutputFlag(cmd, &output, outputTable)
	return cmd
}

func newRollbackCommand(factory *Factory) *cobra.Command {
	streams := factory.IOStreams
	r := &releaseRef{o: &ApplyOptions{factory: factory}}
	cmd := &cobra.Command{
		Use:   "rollback (-f PROFILE | RELEASE -n NAMESPACE) [REVISION]",
		Short: "Roll the stack back to an earlier Helm revision (default: the previous one)",
		Long: `Rollback rolls the Helm release authctl apply installed back to REVISION
(see authctl history), or to the previous revision, as 'helm rollback' does.
Give the profile with -f, or the release name and -n as you would to helm.`,
		Example: `  authctl rollback -f profile.yaml
  authctl rollback -f profile.yaml 2
  authctl rollback dev 2 -n auth`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, revArg := "", ""
			switch {
			case r.o.ProfileFile != "" && len(args) == 2:
				return flagErrorf("with -f, rollback takes only REVISION")
			case r.o.ProfileFile != "" && len(args) == 1:
				revArg = args[0]
			case len(args) >= 1:
				name = args[0]
				if len(args) == 2 {
					revArg = args[1]
				}
			}
			if err := r.validate(name); err != nil {
				return err
			}
			rev := 0
			if revArg != "" {
				n, err := strconv.Atoi(revArg)
				if err != nil || n < 1 {
					return flagErrorf("invalid revision %q", revArg)
				}
				rev = n
			}
			return r.run(name, func(c Cluster, name, ns string) error {
				if err := c.Rollback(cmd.Context(), name, ns, rev); err != nil {
					return err
				}
				fmt.Fprintf(streams.ErrOut, "rolled back release %q\n", name)
				return nil
			})
		},
	}
	addReleaseFlags(cmd, r)
	return cmd
}
