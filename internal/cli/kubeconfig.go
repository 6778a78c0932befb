package cli

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
	"github.com/authctl/authctl/pkg/kubeconfig/setup"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/sibling"
)

// KubeconfigSetupOptions are the flags of `authctl kubeconfig setup`.
type KubeconfigSetupOptions struct {
	ProfileFile string
	// Token holds the get-token flags; unset ones come from the profile.
	Token kubeconfig.Options

	Kubeconfig  string
	Cluster     string
	Context     string
	User        string
	SetCurrent  bool
	ExecCommand string
	// ExecAbsolutePath writes the plugin's absolute path instead of the
	// name kubectl finds through PATH.
	ExecAbsolutePath bool

	HydraAdminURL string
	HydraAdminCA  string
	// AdminContext registers the client through a port-forward to Hydra's
	// admin Service, made through this kubeconfig context (as apply and
	// doctor --context do).
	AdminContext string
	PrintClient  bool
	NoLogin      bool
}

// Validate checks flag combinations.
func (o *KubeconfigSetupOptions) Validate() error {
	if o.ProfileFile == "" && (o.Token.IssuerURL == "" || o.Token.ClientID == "") {
		return flagErrorf("give -f PROFILE, or --issuer-url and --client-id (as with kubelogin)")
	}
	if o.ExecCommand != "" && o.ExecAbsolutePath {
		return flagErrorf("--exec-command and --exec-absolute-path exclude each other")
	}
	if o.AdminContext != "" && (o.ProfileFile == "" || o.HydraAdminURL != "" || o.PrintClient) {
		return flagErrorf("--admin-context forwards the Hydra admin Service the profile names: it needs -f, and excludes --hydra-admin-url and --print-client")
	}
	if o.PrintClient && o.HydraAdminURL != "" {
		return flagErrorf("--print-client and --hydra-admin-url exclude each other: print the client for bootstrap, or register it")
	}
	return nil
}

func newKubeconfigCommand(factory *Factory, runF func(*KubeconfigSetupOptions) error) *cobra.Command {
	cmd := &cobra.Command{Use: "kubeconfig", Short: "Set kubectl up to log in through the profile's issuer",
		Long: `Kubeconfig edits kubeconfig files for the stack's kubectl login: 'setup'
registers the kubectl client, logs in once and writes a user and context
that run authctl-get-token; 'migrate' rewrites users that run kubelogin.`}
	o := &KubeconfigSetupOptions{}
	s := &cobra.Command{
		Use:   "setup (-f PROFILE | --issuer-url URL --client-id ID) [--hydra-admin-url URL | --print-client] [flags]",
		Short: "Register the kubectl client, log in, and write the kubeconfig user and context",
		Long: `Setup makes kubectl log in through the stack a profile describes, or through
any OIDC issuer given as --issuer-url and --client-id (no profile needed, as
with kubelogin):

  1. it registers the public kubectl client in Hydra (--hydra-admin-url, or
     --admin-context CONTEXT to port-forward Hydra's admin Service itself), or
     prints it for 'authctl bootstrap' (--print-client): PKCE, exact loopback
     redirect URIs, scopes openid offline_access email groups;
  2. it logs in once (skip with --no-login);
  3. it writes a user and a context into the kubeconfig through client-go,
     keeping every other entry. The user's exec plugin is authctl-get-token
     (cache hits cost about as much as starting a process), else
     'authctl get-token'. A plugin on PATH is written by name, so upgrades
     through a package manager keep working; --exec-absolute-path writes the
     path instead. The client-credentials grant gets interactiveMode Never.

Every get-token flag given here is also written into the exec arguments
(the client secret never is: pass it in AUTHCTL_CLIENT_SECRET). The file is
--kubeconfig, else the first file of $KUBECONFIG, else ~/.kube/config.
Without a profile the user and context are named oidc-HOST after the issuer.`,
		Example: `  authctl kubeconfig setup -f profile.yaml --hydra-admin-url http://127.0.0.1:4445/ --cluster prod
  authctl kubeconfig setup -f profile.yaml --admin-context kind-dev --set-current-context
  authctl kubeconfig setup -f profile.yaml --print-client > kubectl-client.json
  authctl kubeconfig setup --issuer-url https://oauth.example.com/ --client-id kubectl --scope email,groups`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runKubeconfigSetup(cmd, factory, o)
		},
	}
	addTokenFlags(s, &o.Token)
	f := s.Flags()
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile file")
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file to write (default: first of $KUBECONFIG, or ~/.kube/config)")
	f.StringVar(&o.Cluster, "cluster", "", "existing kubeconfig cluster for the context (default: the current context's)")
	// --context and --user select an existing entry on every other
	// command (and in kubectl); here they name the entries setup writes.
	f.StringVar(&o.Context, "context-name", "", "name of the context to write (default: PROFILE-oidc)")
	f.StringVar(&o.User, "user-name", "", "name of the user to write (default: PROFILE-oidc)")
	f.StringVar(&o.Context, "context", "", "name of the context to write")
	f.StringVar(&o.User, "user", "", "name of the user to write")
	_ = f.MarkDeprecated("context", "use --context-name (--context selects an existing context elsewhere)")
	_ = f.MarkDeprecated("user", "use --user-name (--user selects an existing user elsewhere)")
	f.BoolVar(&o.SetCurrent, "set-current-context", false, "make the new context the current one")
	f.StringVar(&o.ExecCommand, "exec-command", "", "plugin command to write (default: authctl-get-token if found, else authctl get-token)")
	f.BoolVar(&o.ExecAbsolutePath, "exec-absolute-path", false, "write the plugin's absolute path instead of its name on PATH")
	f.StringVar(&o.HydraAdminURL, "hydra-admin-url", "", "register the kubectl client through this Hydra admin URL")
	f.StringVar(&o.HydraAdminCA, "hydra-admin-certificate-authority", "", "PEM file of CAs trusted for the Hydra admin URL")
	f.StringVar(&o.AdminContext, "admin-context", "", "register the kubectl client through a port-forward to Hydra's admin Service, made through this kubeconfig context (as apply and doctor --context)")
	f.BoolVar(&o.PrintClient, "print-client", false, "print the kubectl client (Hydra JSON) for bootstrap and stop")
	f.BoolVar(&o.NoLogin, "no-login", false, "write the kubeconfig without logging in first")
	cmd.AddCommand(s, newKubeconfigMigrateCommand(factory, nil))
	return cmd
}

// KubeconfigMigrateOptions are the flags of `authctl kubeconfig migrate`.
type KubeconfigMigrateOptions struct {
	Kubeconfig       string
	DryRun           bool
	ExecCommand      string
	ExecAbsolutePath bool
}

// Validate checks flag combinations.
func (o *KubeconfigMigrateOptions) Validate() error {
	if o.ExecCommand != "" && o.ExecAbsolutePath {
		return flagErrorf("--exec-command and --exec-absolute-path exclude each other")
	}
	return nil
}

func newKubeconfigMigrateCommand(factory *Factory, runF func(*KubeconfigMigrateOptions) error) *cobra.Command {
	o := &KubeconfigMigrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate [--kubeconfig FILE] [--dry-run]",
		Short: "Rewrite kubeconfig users that run kubelogin to run authctl-get-token",
		Long: `Migrate rewrites every kubeconfig user whose exec plugin is kubelogin's
get-token ('kubectl oidc-login get-token', 'kubelogin get-token',
'kubectl-oidc_login get-token') to run authctl-get-token with the same issuer,
client id, scopes, CA, listen addresses and redirect URI (kubelogin's
http://localhost:8000 without a path unless the flags said otherwise), so the
client registered for kubelogin keeps working. A client secret moves from the
arguments to the exec env AUTHCTL_CLIENT_SECRET. Every other entry of the file
is kept; the file is read and written through client-go.

--dry-run prints the unified diff on stdout and writes nothing; without it the
diff is printed too and the file is replaced atomically. A kubelogin flag
authctl cannot honour (--username, --oidc-use-access-token, …) stops the
migration with the reason, before anything is written.`,
		Example: `  authctl kubeconfig migrate --dry-run
  authctl kubeconfig migrate --kubeconfig ~/.kube/config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runKubeconfigMigrate(factory, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file to rewrite (default: first of $KUBECONFIG, or ~/.kube/config)")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the diff and write nothing")
	f.StringVar(&o.ExecCommand, "exec-command", "", "plugin command to write (default: authctl-get-token if found, else authctl get-token)")
	f.BoolVar(&o.ExecAbsolutePath, "exec-absolute-path", false, "write the plugin's absolute path instead of its name on PATH")
	return cmd
}

func runKubeconfigMigrate(factory *Factory, o *KubeconfigMigrateOptions) error {
	streams := factory.IOStreams
	plugin := setup.PluginCommand(sibling.Self("authctl"), o.ExecAbsolutePath)
	if o.ExecCommand != "" {
		plugin = setup.Plugin{Command: o.ExecCommand, OnPath: true}
	}
	res, err := (&setup.Migrate{Path: o.Kubeconfig, Plugin: plugin, DryRun: o.DryRun}).Run()
	if err != nil {
		return err
	}
	if len(res.Users) == 0 {
		fmt.Fprintf(streams.ErrOut, "nothing to migrate: no user in %s runs kubelogin's get-token\n", res.Path)
		return nil
	}
	fmt.Fprint(streams.Out, res.Diff)
	for _, u := range res.Users {
		fmt.Fprintf(streams.ErrOut, "user %q: now runs %s\n", u.Name, plugin.Command)
		for _, n := range u.Notes {
			fmt.Fprintf(streams.ErrOut, "  note: %s\n", n)
		}
	}
	if o.DryRun {
		fmt.Fprintf(streams.ErrOut, "dry run: %s is unchanged\n", res.Path)
		return nil
	}
	fmt.Fprintf(streams.ErrOut, "migrated %d %s in %s\n", len(res.Users), plural(len(res.Users), "user", "users"), res.Path)
	return nil
}

// applyProfile fills the token options the flags left unset from the
// profile: issuer, client id, redirect ports and scopes.
func (o *KubeconfigSetupOptions) applyProfile(p *profile.Profile) {
	k := p.Spec.Kubernetes
	if o.Token.IssuerURL == "" {
		o.Token.IssuerURL = p.Wiring().IssuerURL
	}
	if o.Token.ClientID == "" {
		o.Token.ClientID = k.ClientID
	}
	if len(o.Token.Listen) == 0 {
		for _, port := range k.RedirectPorts {
			o.Token.Listen = append(o.Token.Listen, "127.0.0.1:"+strconv.Itoa(port))
		}
	}
	if len(o.Token.ExtraScopes) == 0 && o.Token.Grant != kubeconfig.GrantClientCredentials {
		o.Token.ExtraScopes = setup.KubectlScopes(k.Claims.GroupsScope)[1:] // openid is always requested
		// Every cluster's scope, so that the one login serves them all.
		for _, c := range k.Clusters {
			o.Token.ExtraScopes = append(o.Token.ExtraScopes, kubeconfig.ClusterScopePrefix+c)
		}
	}
	name := p.Metadata.Name + "-oidc"
	if o.Context == "" {
		o.Context = name
	}
	if o.User == "" {
		o.User = name
	}
}

// applyIssuer names the user and context after the issuer when there is
// no profile.
func (o *KubeconfigSetupOptions) applyIssuer() {
	name := "oidc"
	if u, err := url.Parse(o.Token.IssuerURL); err == nil && u.Hostname() != "" {
		name = "oidc-" + u.Hostname()
	}
	if o.Context == "" {
		o.Context = name
	}
	if o.User == "" {
		o.User = name
	}
}

// redirectPorts are the ports of the redirect URIs to register: the
// profile's, else those of --listen (or get-token's defaults).
func (o *KubeconfigSetupOptions) redirectPorts(p *profile.Profile) []int {
	if p != nil {
		return p.Spec.Kubernetes.RedirectPorts
	}
	listen := o.Token.Listen
	if len(listen) == 0 {
		listen = kubeconfig.DefaultListen
	}
	var ports []int
	for _, l := range listen {
		if _, port, err := net.SplitHostPort(l); err == nil {
			if n, err := strconv.Atoi(port); err == nil && n > 0 {
				ports = append(ports, n)
			}
		}
	}
	return ports
}

func runKubeconfigSetup(cmd *cobra.Command, factory *Factory, o *KubeconfigSetupOptions) error {
	var p *profile.Profile
	return factory.runWithCluster(func() (*clusterNeed, error) {
		if o.ProfileFile == "" {
			o.applyIssuer()
			return nil, nil
		}
		var err error
		if p, err = profile.Load(o.ProfileFile); err != nil {
			return nil, err
		}
		if !profile.On(p.Spec.Kubernetes.Enabled) {
			return nil, withHint(fmt.Errorf("profile %s disables kubernetes", o.ProfileFile), "set spec.kubernetes.enabled: true")
		}
		o.applyProfile(p)
		if k := p.Spec.Kubernetes; len(k.Clusters) > 0 && o.Token.Grant != kubeconfig.GrantClientCredentials && !slices.Contains(k.Clusters, o.Token.ClusterAudience) {
			return nil, withHint(fmt.Errorf("profile %s names clusters %s: say which one this kubeconfig is for", o.ProfileFile, strings.Join(k.Clusters, ", ")),
				"pass --cluster-audience "+k.Clusters[0]+" (one of spec.kubernetes.clusters)")
		}
		if o.Token.Grant == kubeconfig.GrantAuthCodeKeyboard && o.Token.RedirectURL == "" {
			if o.Token.RedirectURL = p.Wiring().KubectlCodeURL; o.Token.RedirectURL == "" {
				return nil, withHint(fmt.Errorf("--grant-type %s needs the login UI's code page, and profile %s has no built-in UI", kubeconfig.GrantAuthCodeKeyboard, o.ProfileFile),
					"enable spec.components.ui with spec.ui.implementation: builtin, or pass --redirect-url")
			}
		}
		if o.AdminContext == "" {
			return nil, nil
		}
		// --admin-context needs -f (Validate).
		return &clusterNeed{o.Kubeconfig, o.AdminContext, p.Wiring().Namespace}, nil
	}, func(c Cluster) error { return kubeconfigSetup(cmd, factory, o, p, c) })
}

// kubeconfigSetup runs setup on the loaded profile (nil without -f), with
// Hydra's admin Service forwarded through c when --admin-context gave one.
func kubeconfigSetup(cmd *cobra.Command, factory *Factory, o *KubeconfigSetupOptions, p *profile.Profile, c Cluster) error {
	streams := factory.IOStreams
	// Without a profile, the scope that releases groups is the default one.
	groupsScope := "groups"
	if p != nil {
		groupsScope = p.Spec.Kubernetes.Claims.GroupsScope
	}
	codeURL := o.Token.RedirectURL
	if p != nil && codeURL == "" {
		// Registered with the loopback URIs, so that a person may switch
		// to the headless login later without registering again.
		codeURL = p.Wiring().KubectlCodeURL
	}
	plugin := setup.PluginCommand(sibling.Self("authctl"), o.ExecAbsolutePath)
	if o.ExecCommand != "" {
		plugin = setup.Plugin{Command: o.ExecCommand, OnPath: true}
	}
	op := &setup.Setup{
		Token: o.Token, GroupsScope: groupsScope, RedirectPorts: o.redirectPorts(p), CodeURL: codeURL,
		HydraAdminURL: o.HydraAdminURL, HydraClient: factory.HTTPClient(),
		Login:    !o.NoLogin,
		LoginEnv: login.Env{Stderr: streams.ErrOut, Stdin: streams.In, StdinIsTerminal: streams.IsStdinTTY()},
		Plugin:   plugin,
		Kubeconfig: setup.Kubeconfig{
			Path: o.Kubeconfig, Cluster: o.Cluster, Context: o.Context, User: o.User, SetCurrent: o.SetCurrent,
		},
		Log: streams.ErrOut,
	}
	if o.PrintClient {
		return writeJSON(streams.Out, op.Client())
	}
	if c != nil {
		// As apply and doctor: a port-forward that lasts as long as setup.
		w := p.Wiring()
		fwd, err := c.Forwarder(streams.ErrOut)
		if err != nil {
			return withHint(fmt.Errorf("could not port-forward Hydra's admin Service: %w", err), forwardHint(err, o.Kubeconfig, o.AdminContext, w.Namespace))
		}
		op.HydraAdminForward = &setup.Forward{Forwarder: fwd, Namespace: w.Namespace, Target: cluster.Target{Service: w.HydraAdminService, Port: profile.HydraAdminPort}}
	}
	if o.HydraAdminCA != "" {
		hc, err := login.HTTPClient(&kubeconfig.Options{CAFiles: []string{o.HydraAdminCA}})
		if err != nil {
			return err
		}
		op.HydraClient = hc
	}
	res, err := op.Run(cmd.Context())
	var fe *cluster.ForwardError
	if errors.As(err, &fe) && p != nil {
		return withHint(err, forwardHint(fe.Err, o.Kubeconfig, o.AdminContext, p.Wiring().Namespace))
	}
	if err != nil {
		return authError(err)
	}
	if res.Claims != nil {
		if err := printClaims(IOStreams{Out: streams.ErrOut}, res.Claims, ""); err != nil {
			return err
		}
	}
	command, path := plugin.Command, res.Path
	if !plugin.OnPath {
		fmt.Fprintf(streams.ErrOut, "note: neither authctl-get-token nor authctl is on PATH, so the kubeconfig runs %s by its absolute path\n", command)
	}
	fmt.Fprintf(streams.ErrOut, "wrote user %q and context %q to %s (exec: %s)\n", o.User, o.Context, path, command)
	if !o.SetCurrent {
		fmt.Fprintf(streams.ErrOut, "try: kubectl --context %s auth whoami\n", o.Context)
	}
	return nil
}
