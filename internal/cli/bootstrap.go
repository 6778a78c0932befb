package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/pkg/ory/progress"
	"github.com/authctl/authctl/pkg/ory/retry"
	"github.com/authctl/authctl/pkg/profile"
)

// BootstrapOptions are the flags of `authctl bootstrap`.
type BootstrapOptions struct {
	ProfileFile    string
	IdentitiesFile string
	ClientsFile    string
	KratosAdminURL string
	HydraAdminURL  string

	CAFile                string
	InsecureSkipTLSVerify bool
	Headers               []string

	DryRun            bool
	Prune             bool
	UpdateCredentials bool
	RotateSecrets     []string

	KeyTrait           string
	BatchSize          int
	PlaintextBatchSize int
	Concurrency        int
	Timeout            time.Duration
	RequestTimeout     time.Duration

	SecretsOut    string
	SecretsFormat string
	Namespace     string

	Output   string
	Progress string
}

// Validate checks flag combinations.
func (o *BootstrapOptions) Validate() error {
	if o.ProfileFile == "" && o.IdentitiesFile == "" && o.ClientsFile == "" && len(o.RotateSecrets) == 0 {
		return flagErrorf("nothing to do: give -f PROFILE (its bootstrap section), --identities FILE or --clients FILE")
	}
	if err := checkOutput(o.Output, outputText); err != nil {
		return err
	}
	switch o.SecretsFormat {
	case ory.SecretFormatKubernetes, ory.SecretFormatJSON:
	default:
		return flagErrorf("unknown --secrets-format %q (allowed: secret, json)", o.SecretsFormat)
	}
	switch o.Progress {
	case "auto", "bar", "plain", "none":
	default:
		return flagErrorf("unknown --progress %q (allowed: auto, bar, plain, none)", o.Progress)
	}
	for _, h := range o.Headers {
		if k, _, ok := strings.Cut(h, ":"); !ok || strings.TrimSpace(k) == "" {
			return flagErrorf("--header %q: want \"Name: value\"", h)
		}
	}
	if o.BatchSize < 0 || o.BatchSize > ory.DefaultBatchSize {
		return flagErrorf("--batch-size must be between 1 and %d (the Kratos v1.3.1 limit)", ory.DefaultBatchSize)
	}
	if o.Concurrency < 1 || o.Concurrency > 64 {
		return flagErrorf("--concurrency must be between 1 and 64")
	}
	return nil
}

// newBootstrapCommand builds `authctl bootstrap` and its `plan` subcommand.
// runF replaces the behaviour in flag-parsing tests.
func newBootstrapCommand(streams IOStreams, runF func(*BootstrapOptions) error) *cobra.Command {
	o := &BootstrapOptions{}
	cmd := &cobra.Command{
		Use:   "bootstrap [-f PROFILE] [--identities FILE] [--clients FILE] [--dry-run]",
		Short: "Create and update identities (Kratos) and OAuth2 clients (Hydra) from files",
		Long: `Bootstrap converges Kratos identities and Hydra OAuth2 clients to the input
files: it creates what is missing, updates what differs and, with --prune,
deletes what authctl created earlier and the input no longer lists. Reruns
change nothing; an interrupted run converges on the next run.

Inputs come from the profile's bootstrap section (-f) or from --identities and
--clients, as YAML, JSON or NDJSON (streamed). See docs/bootstrap.md.

Admin URLs: --kratos-admin-url / --hydra-admin-url, else KRATOS_ADMIN_URL /
HYDRA_ADMIN_URL, else the profile's in-cluster admin Services.

Generated client secrets are never printed: they go to --secrets-out as
Kubernetes Secrets (keys CLIENT_ID, CLIENT_SECRET) or JSON, mode 0600.`,
		Example: `  authctl bootstrap plan -f profile.yaml
  authctl bootstrap -f profile.yaml --secrets-out client-secrets.yaml
  authctl bootstrap --identities users.ndjson --kratos-admin-url http://127.0.0.1:4434 -o json
  authctl bootstrap --clients clients.yaml --rotate-secret ci --secrets-out ci.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return validateAndRun(cmd.Context(), streams, o, runF)
		},
	}
	addBootstrapFlags(cmd.Flags(), o)
	addOutputFlag(cmd, &o.Output, outputText)
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the plan (creates, updates, unchanged, deletes) and write nothing")

	po := &BootstrapOptions{}
	plan := &cobra.Command{
		Use:   "plan [-f PROFILE] [--identities FILE] [--clients FILE]",
		Short: "Print what bootstrap would change, writing nothing (same as --dry-run)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			po.DryRun = true
			return validateAndRun(cmd.Context(), streams, po, runF)
		},
	}
	addBootstrapFlags(plan.Flags(), po)
	addOutputFlag(plan, &po.Output, outputText)
	cmd.AddCommand(plan)
	return cmd
}

func validateAndRun(ctx context.Context, streams IOStreams, o *BootstrapOptions, runF func(*BootstrapOptions) error) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if runF != nil {
		return runF(o)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return runBootstrap(ctx, streams, o, os.Getenv)
}

func addBootstrapFlags(f *pflag.FlagSet, o *BootstrapOptions) {
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile: its bootstrap section and in-cluster admin URLs")
	f.StringVar(&o.IdentitiesFile, "identities", "", "identities file (YAML, JSON or NDJSON)")
	f.StringVar(&o.ClientsFile, "clients", "", "OAuth2 clients file (YAML, JSON or NDJSON)")
	f.StringVar(&o.KratosAdminURL, "kratos-admin-url", "", "Kratos admin URL (default $KRATOS_ADMIN_URL, then the profile's)")
	f.StringVar(&o.HydraAdminURL, "hydra-admin-url", "", "Hydra admin URL (default $HYDRA_ADMIN_URL, then the profile's)")
	f.StringVar(&o.CAFile, "ca-file", "", "PEM bundle to trust for the admin APIs, in addition to the system roots")
	f.BoolVar(&o.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "do not verify the admin APIs' certificates (insecure)")
	f.StringArrayVar(&o.Headers, "header", nil, `extra request header "Name: value" for a fronting proxy (repeatable)`)
	f.BoolVar(&o.Prune, "prune", false, "delete identities and clients authctl created that the input no longer lists")
	f.BoolVar(&o.UpdateCredentials, "update-credentials", false, "overwrite credentials (passwords, client secrets) of existing objects")
	f.StringArrayVar(&o.RotateSecrets, "rotate-secret", nil, "generate a new secret for this client id (repeatable)")
	f.StringVar(&o.KeyTrait, "key-trait", "", "trait that identifies an identity (default: the schema's credential identifier)")
	f.IntVar(&o.BatchSize, "batch-size", ory.DefaultBatchSize, "identities per batch request (server limit 2000)")
	f.IntVar(&o.PlaintextBatchSize, "plaintext-batch-size", ory.DefaultPlaintextBatchSize, "identities per batch when the server must hash plaintext passwords")
	f.IntVar(&o.Concurrency, "concurrency", ory.DefaultConcurrency, "requests in flight")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Minute, "overall deadline")
	f.DurationVar(&o.RequestTimeout, "request-timeout", 2*time.Minute, "deadline of one request")
	f.StringVar(&o.SecretsOut, "secrets-out", "", `file for generated client secrets, written 0600 ("-" prints them to stdout)`)
	f.StringVar(&o.SecretsFormat, "secrets-format", ory.SecretFormatKubernetes, "secrets file format: secret (Kubernetes Secrets, hydra-maester keys) or json")
	f.StringVar(&o.Namespace, "namespace", "", "namespace of the Secret manifests (default: the profile's)")
	f.StringVar(&o.Progress, "progress", "auto", "progress on stderr: auto (bar on a terminal, lines otherwise), bar, plain or none")
}

// resolve fills inputs and URLs from the profile and the environment.
// Precedence: flag, then environment, then profile.
func (o *BootstrapOptions) resolve(getenv func(string) string) error {
	if o.KratosAdminURL == "" {
		o.KratosAdminURL = getenv("KRATOS_ADMIN_URL")
	}
	if o.HydraAdminURL == "" {
		o.HydraAdminURL = getenv("HYDRA_ADMIN_URL")
	}
	if o.ProfileFile == "" {
		return nil
	}
	// Bootstrap reads its input files itself, flags first.
	p, err := profile.LoadContext(context.Background(), o.ProfileFile, profile.LoadOptions{SkipBootstrapInputs: true})
	if err != nil {
		return err
	}
	if o.IdentitiesFile == "" && p.Spec.Bootstrap.Identities != "" {
		o.IdentitiesFile = p.ResolvePath(p.Spec.Bootstrap.Identities)
	}
	if o.ClientsFile == "" && p.Spec.Bootstrap.Clients != "" {
		o.ClientsFile = p.ResolvePath(p.Spec.Bootstrap.Clients)
	}
	w := p.Wiring()
	if o.KratosAdminURL == "" {
		o.KratosAdminURL = w.KratosAdminInternalURL
	}
	if o.HydraAdminURL == "" {
		o.HydraAdminURL = w.HydraAdminInternalURL
	}
	if o.Namespace == "" {
		o.Namespace = w.Namespace
	}
	return nil
}

func (o *BootstrapOptions) headers() map[string]string {
	out := map[string]string{}
	for _, h := range o.Headers {
		k, v, _ := strings.Cut(h, ":")
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

func newReporter(streams IOStreams, mode string) progress.Reporter {
	switch {
	case mode == "none":
		return progress.Nop{}
	case mode == "bar" || (mode == "auto" && IsTerminal(streams.ErrOut)):
		return progress.NewTUI(streams.ErrOut, ColorEnabled(streams.ErrOut))
	default:
		return progress.NewPlain(streams.ErrOut, 5*time.Second)
	}
}

func runBootstrap(ctx context.Context, streams IOStreams, o *BootstrapOptions, getenv func(string) string) error {
	if err := o.resolve(getenv); err != nil {
		return err
	}
	if o.IdentitiesFile == "" && o.ClientsFile == "" && len(o.RotateSecrets) == 0 {
		return withHint(errors.New("the profile's bootstrap section names no identities or clients file"), "authctl bootstrap --identities FILE --clients FILE")
	}
	hc, err := ory.NewHTTPClient(ory.ConnOptions{
		CAFile: o.CAFile, InsecureSkipTLSVerify: o.InsecureSkipTLSVerify,
		RequestTimeout: o.RequestTimeout, Concurrency: o.Concurrency,
	})
	if err != nil {
		return err
	}
	if o.InsecureSkipTLSVerify {
		fmt.Fprintln(streams.ErrOut, "warning: TLS certificate verification is disabled (--insecure-skip-tls-verify)")
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	policy := retry.Default
	policy.Deadline = o.Timeout
	rep := newReporter(streams, o.Progress)
	opts := ory.Options{
		KratosAdminURL: o.KratosAdminURL,
		HydraAdminURL:  o.HydraAdminURL,
		HTTPClient:     hc,
		Headers:        o.headers(),
		DryRun:         o.DryRun,
		Retry:          &policy,
		Progress:       rep,
		Identities: ory.IdentityOptions{
			File: o.IdentitiesFile, KeyTrait: o.KeyTrait, BatchSize: o.BatchSize,
			PlaintextBatchSize: o.PlaintextBatchSize, Concurrency: o.Concurrency,
			Prune: o.Prune, UpdateCredentials: o.UpdateCredentials,
		},
		Clients: ory.ClientOptions{
			File: o.ClientsFile, Prune: o.Prune, UpdateCredentials: o.UpdateCredentials,
			RotateSecrets: o.RotateSecrets, Getenv: getenv,
		},
	}
	if o.SecretsOut != "" {
		opts.WriteSecrets = secretWriter(streams.Out, o)
	}
	sum, runErr := ory.Run(ctx, opts)
	rep.Close()
	if errors.Is(runErr, ory.ErrSecretOutputRequired) {
		return withHint(runErr, "add --secrets-out FILE (written 0600; Kubernetes Secrets with CLIENT_ID and CLIENT_SECRET)")
	}
	if err := writeSummary(streams, o, sum); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if sum.Failed() {
		return fmt.Errorf("%d object(s) failed", len(sum.Errors))
	}
	return nil
}

// secretWriter persists generated secrets to --secrets-out; "-" is the
// explicit request to print them on stdout.
func secretWriter(stdout io.Writer, o *BootstrapOptions) func([]ory.GeneratedSecret) error {
	if o.SecretsOut == "-" {
		printed := 0
		return func(s []ory.GeneratedSecret) error {
			for _, g := range s[printed:] {
				if _, err := fmt.Fprintf(stdout, "client_secret %s %s\n", g.ClientID, g.Secret); err != nil {
					return err
				}
			}
			printed = len(s)
			return nil
		}
	}
	f := ory.SecretFile{Path: o.SecretsOut, Format: o.SecretsFormat, Namespace: o.Namespace}
	return f.Write
}

func writeSummary(streams IOStreams, o *BootstrapOptions, sum *ory.Summary) error {
	for _, e := range sum.Errors {
		fmt.Fprintf(streams.ErrOut, "failed: %s\n", e)
	}
	switch {
	case isDataFormat(o.Output):
		return printData(streams.Out, o.Output, sum)
	case o.DryRun:
		return sum.WritePlan(streams.Out)
	default:
		return sum.WriteText(streams.Out)
	}
}
