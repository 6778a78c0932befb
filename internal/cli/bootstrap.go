package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/pkg/ory/retry"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
)

// BootstrapOptions are the flags of `authctl bootstrap`. They bind straight
// onto the operation's fields (as helm's commands bind onto pkg/action),
// plus what only the command needs.
type BootstrapOptions struct {
	ory.Bootstrap
	// ProfileFile is -f; operation loads it into Bootstrap.Profile.
	ProfileFile string
	// Headers are the --header values, "Name: value"; operation turns them
	// into Bootstrap.Headers.
	Headers []string

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
func newBootstrapCommand(factory *Factory, runF func(*BootstrapOptions) error) *cobra.Command {
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
HYDRA_ADMIN_URL, else the profile's in-cluster admin Services. Identity
schemas are read from Kratos' public API (--kratos-public-url): its admin
port only redirects them to serve.public.base_url.

Generated client secrets are never printed: they go to --secrets-out as
Kubernetes Secrets (keys CLIENT_ID, CLIENT_SECRET) or JSON, mode 0600.`,
		Example: `  authctl bootstrap plan -f profile.yaml
  authctl bootstrap -f profile.yaml --secrets-out client-secrets.yaml
  authctl bootstrap --identities users.ndjson --kratos-admin-url http://127.0.0.1:4434 -o json
  authctl bootstrap --clients clients.yaml --rotate-secret ci --secrets-out ci.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return validateAndRun(cmd.Context(), factory, o, runF)
		},
	}
	addBootstrapFlags(cmd.Flags(), o)
	addOutputFlag(cmd, &o.Output, outputText)
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the plan (creates, updates, unchanged, deletes) and write nothing")

	po := &BootstrapOptions{}
	plan := &cobra.Command{
		Use:   "plan [-f PROFILE] [--identities FILE] [--clients FILE]",
		Short: "Print what bootstrap would change, writing nothing (same as --dry-run)",
		Long: `Plan reads the identities and clients as bootstrap does and compares them
with what Kratos and Hydra hold, then prints the creates, updates, unchanged
and deletes (with --prune) without writing anything. -o json prints the plan
as data for CI.`,
		Example: `  authctl bootstrap plan -f profile.yaml
  authctl bootstrap plan -f profile.yaml --prune -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			po.DryRun = true
			return validateAndRun(cmd.Context(), factory, po, runF)
		},
	}
	addBootstrapFlags(plan.Flags(), po)
	addOutputFlag(plan, &po.Output, outputText)
	cmd.AddCommand(plan)
	return cmd
}

func validateAndRun(ctx context.Context, factory *Factory, o *BootstrapOptions, runF func(*BootstrapOptions) error) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if runF != nil {
		return runF(o)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return runBootstrap(ctx, factory.IOStreams, o, factory.Getenv)
}

func addBootstrapFlags(f *pflag.FlagSet, o *BootstrapOptions) {
	def := ory.NewBootstrap()
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile: its bootstrap section and in-cluster admin URLs")
	f.StringVar(&o.IdentitiesFile, "identities", "", "identities file (YAML, JSON or NDJSON)")
	f.StringVar(&o.ClientsFile, "clients", "", "OAuth2 clients file (YAML, JSON or NDJSON)")
	f.StringVar(&o.KratosAdminURL, "kratos-admin-url", "", "Kratos admin URL (default $KRATOS_ADMIN_URL, then the profile's)")
	f.StringVar(&o.HydraAdminURL, "hydra-admin-url", "", "Hydra admin URL (default $HYDRA_ADMIN_URL, then the profile's)")
	f.StringVar(&o.KratosPublicURL, "kratos-public-url", "", "Kratos public URL, where identity schemas are read (default $KRATOS_PUBLIC_URL, then the profile's with its admin URL, else the admin URL's redirect)")
	addCAFlag(f, &o.CAFile, "PEM bundle to trust for the admin APIs, in addition to the system roots")
	f.BoolVar(&o.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "do not verify the admin APIs' certificates (insecure)")
	f.StringArrayVar(&o.Headers, "header", nil, `extra request header "Name: value" for a fronting proxy (repeatable)`)
	f.BoolVar(&o.Prune, "prune", false, "delete identities and clients authctl created that the input no longer lists")
	f.BoolVar(&o.UpdateCredentials, "update-credentials", false, "overwrite credentials (passwords, client secrets) of existing objects")
	f.StringArrayVar(&o.RotateSecrets, "rotate-secret", nil, "generate a new secret for this client id (repeatable)")
	f.StringVar(&o.KeyTrait, "key-trait", "", "trait that identifies an identity (default: the schema's credential identifier)")
	f.IntVar(&o.BatchSize, "batch-size", def.BatchSize, "identities per batch request (server limit 2000)")
	f.IntVar(&o.PlaintextBatchSize, "plaintext-batch-size", def.PlaintextBatchSize, "identities per batch when the server must hash plaintext passwords")
	f.IntVar(&o.Concurrency, "concurrency", def.Concurrency, "requests in flight")
	f.DurationVar(&o.Timeout, "timeout", def.Timeout, "overall deadline")
	f.DurationVar(&o.RequestTimeout, "request-timeout", def.RequestTimeout, "deadline of one request")
	f.StringVar(&o.SecretsOut, "secrets-out", "", `file for generated client secrets, written 0600 ("-" prints them to stdout)`)
	f.StringVar(&o.SecretsFormat, "secrets-format", def.SecretsFormat, "secrets file format: secret (Kubernetes Secrets, hydra-maester keys) or json")
	f.StringVar(&o.Namespace, "namespace", "", "namespace of the Secret manifests (default: the profile's)")
	f.StringVar(&o.Progress, "progress", "auto", "progress on stderr: auto (bar on a terminal, lines otherwise), bar, plain or none")
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
	case mode == "bar" || (mode == "auto" && streams.IsStderrTTY()):
		return progress.NewTUI(streams.ErrOut, streams.ColorStderr())
	default:
		return progress.NewPlain(streams.ErrOut, 5*time.Second)
	}
}

// operation turns the flags into the bootstrap operation, with -f loaded
// (bootstrap reads the input files itself, fields first).
func (o *BootstrapOptions) operation(ctx context.Context, streams IOStreams, getenv func(string) string) (*ory.Bootstrap, error) {
	b := o.Bootstrap
	if o.ProfileFile != "" {
		p, err := profile.LoadContext(ctx, o.ProfileFile, profile.LoadOptions{SkipBootstrapInputs: true})
		if err != nil {
			return nil, err
		}
		b.Profile = p
	}
	b.Headers = o.headers()
	b.Stdout, b.Getenv = streams.Out, getenv
	return &b, nil
}

func runBootstrap(ctx context.Context, streams IOStreams, o *BootstrapOptions, getenv func(string) string) error {
	b, err := o.operation(ctx, streams, getenv)
	if err != nil {
		return err
	}
	return runBootstrapOperation(ctx, streams, b, o.Output, o.Progress)
}

// runBootstrapOperation runs b with progress on stderr and prints its
// summary as output; `bootstrap` and `apply --bootstrap` share it.
func runBootstrapOperation(ctx context.Context, streams IOStreams, b *ory.Bootstrap, output, progressMode string) error {
	if err := b.Resolve(ctx); errors.Is(err, ory.ErrNothingToBootstrap) {
		return withHint(err, "authctl bootstrap --identities FILE --clients FILE")
	} else if err != nil {
		return err
	}
	if b.InsecureSkipTLSVerify {
		fmt.Fprintln(streams.ErrOut, "warning: TLS certificate verification is disabled (--insecure-skip-tls-verify)")
	}
	b.Progress = newReporter(streams, progressMode)
	// Retries of an unreachable API take seconds: say so as they happen.
	var retryMu sync.Mutex
	b.OnRetry = func(attempt int, wait time.Duration, err error) {
		retryMu.Lock() // workers retry concurrently
		defer retryMu.Unlock()
		fmt.Fprintf(streams.ErrOut, "retrying in %s (attempt %d of %d failed): %v\n", wait.Round(10*time.Millisecond), attempt, retry.Default.Attempts, err)
	}
	sum, runErr := b.Run(ctx)
	switch {
	case errors.Is(runErr, ory.ErrSecretOutputRequired):
		return withHint(runErr, "add --secrets-out FILE (written 0600; Kubernetes Secrets with CLIENT_ID and CLIENT_SECRET)")
	case sum == nil:
		return runErr
	case runErr != nil && sum.Empty() && !isDataFormat(output):
		return runErr // no all-zero plan before the error
	}
	if err := writeSummary(streams, output, b.DryRun, sum); err != nil {
		return err
	}
	err := runErr
	if err == nil && sum.Failed() {
		err = fmt.Errorf("%d object(s) failed", len(sum.Errors))
	}
	if err != nil && isDataFormat(output) {
		return reported(err) // stdout has the summary: one document
	}
	return err
}

func writeSummary(streams IOStreams, output string, dryRun bool, sum *ory.Summary) error {
	for _, e := range sum.Errors {
		fmt.Fprintf(streams.ErrOut, "failed: %s\n", e)
	}
	switch {
	case isDataFormat(output):
		return printData(streams.Out, output, sum)
	case dryRun:
		return sum.WritePlan(streams.Out)
	default:
		return sum.WriteText(streams.Out)
	}
}
