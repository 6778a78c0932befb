package ory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/authctl/authctl/pkg/ory/retry"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
)

// ErrNothingToBootstrap is returned by Bootstrap.Run when, after
// resolution, there is no identities file, no clients file and no secret
// to rotate.
var ErrNothingToBootstrap = errors.New("the profile's bootstrap section names no identities or clients file")

// Bootstrap is the bootstrap operation (in the manner of helm's pkg/action):
// plain inputs and Run. `authctl bootstrap` fills it from flags and `authctl
// apply --bootstrap` from the profile and its port-forwards; neither runs the
// other's command line.
type Bootstrap struct {
	// Profile, when set, supplies what the fields below leave empty: the
	// input files of its bootstrap section, the in-cluster admin URLs and
	// the namespace of the Secret manifests. Loaded by the caller, as for
	// every operation; bootstrap reads the input files itself, so it may
	// be loaded with profile.LoadOptions.SkipBootstrapInputs.
	Profile        *profile.Profile
	IdentitiesFile string
	ClientsFile    string
	// KratosAdminURL and HydraAdminURL: empty means $KRATOS_ADMIN_URL /
	// $HYDRA_ADMIN_URL (through Getenv), then the profile's (AdminURLs).
	KratosAdminURL string
	HydraAdminURL  string
	// KratosPublicURL is where the identity schemas are read: Kratos' admin
	// port only redirects GET /schemas to serve.public.base_url, which a
	// port-forward cannot follow. Empty means $KRATOS_PUBLIC_URL, then the
	// profile's in-cluster public Service when the admin URL also came from
	// the profile, else the admin URL (and its redirect).
	KratosPublicURL string

	CAFile                string
	InsecureSkipTLSVerify bool
	// Headers are extra request headers for a fronting proxy.
	Headers map[string]string

	// OnRetry hears of each request that failed and will be retried.
	OnRetry func(attempt int, wait time.Duration, err error)

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

	// SecretsOut is the file for generated client secrets; "-" prints them
	// to Stdout. SecretsFormat is SecretFormatKubernetes or
	// SecretFormatJSON; Namespace that of the Secret manifests.
	SecretsOut    string
	SecretsFormat string
	Namespace     string

	// Stdout receives the secrets of SecretsOut "-"; Progress the progress
	// (nil: none); Getenv the environment (nil: none).
	Stdout   io.Writer
	Progress progress.Reporter
	Getenv   func(string) string

	resolved bool
}

// NewBootstrap returns the operation with the defaults of `authctl
// bootstrap`'s flags.
func NewBootstrap() *Bootstrap {
	return &Bootstrap{
		BatchSize: DefaultBatchSize, PlaintextBatchSize: DefaultPlaintextBatchSize, Concurrency: DefaultConcurrency,
		Timeout: 30 * time.Minute, RequestTimeout: 2 * time.Minute, SecretsFormat: SecretFormatKubernetes,
	}
}

// Resolve fills the empty inputs (precedence: the field, then the
// environment, then the profile) and fails with ErrNothingToBootstrap when
// no input remains. Run calls it; after a success a second call does
// nothing. The CLI calls it first, so no progress is drawn for a profile
// that cannot be used.
func (b *Bootstrap) Resolve(_ context.Context) error {
	if b.resolved {
		return nil
	}
	b.resolve()
	if b.IdentitiesFile == "" && b.ClientsFile == "" && len(b.RotateSecrets) == 0 {
		return ErrNothingToBootstrap
	}
	b.resolved = true
	return nil
}

func (b *Bootstrap) resolve() {
	u := AdminURLs{KratosAdmin: b.KratosAdminURL, HydraAdmin: b.HydraAdminURL, KratosPublic: b.KratosPublicURL}.Resolve(b.Getenv, b.Profile)
	b.KratosAdminURL, b.HydraAdminURL, b.KratosPublicURL = u.KratosAdmin, u.HydraAdmin, u.KratosPublic
	p := b.Profile
	if p == nil {
		return
	}
	if b.IdentitiesFile == "" && p.Spec.Bootstrap.Identities != "" {
		b.IdentitiesFile = p.ResolvePath(p.Spec.Bootstrap.Identities)
	}
	if b.ClientsFile == "" && p.Spec.Bootstrap.Clients != "" {
		b.ClientsFile = p.ResolvePath(p.Spec.Bootstrap.Clients)
	}
	if b.Namespace == "" {
		b.Namespace = p.Wiring().Namespace
	}
}

// Run resolves the inputs and converges Kratos and Hydra to them. The
// summary is returned also with an error, for the caller to print.
func (b *Bootstrap) Run(ctx context.Context) (*Summary, error) {
	rep := b.Progress
	if rep == nil {
		rep = progress.Nop{}
	}
	// Closed on every return, before the caller prints the summary.
	defer rep.Close()
	if err := b.Resolve(ctx); err != nil {
		return nil, err
	}
	hc, err := NewHTTPClient(ConnOptions{
		CAFile: b.CAFile, InsecureSkipTLSVerify: b.InsecureSkipTLSVerify,
		RequestTimeout: b.RequestTimeout, Concurrency: b.Concurrency,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.Timeout)
	defer cancel()

	policy := retry.Default
	policy.Deadline = b.Timeout
	policy.OnRetry = b.OnRetry
	opts := Options{
		KratosAdminURL:  b.KratosAdminURL,
		HydraAdminURL:   b.HydraAdminURL,
		KratosPublicURL: b.KratosPublicURL,
		HTTPClient:      hc,
		Headers:         b.Headers,
		DryRun:          b.DryRun,
		Retry:           &policy,
		Progress:        rep,
		Identities: IdentityOptions{
			File: b.IdentitiesFile, KeyTrait: b.KeyTrait, BatchSize: b.BatchSize,
			PlaintextBatchSize: b.PlaintextBatchSize, Concurrency: b.Concurrency,
			Prune: b.Prune, UpdateCredentials: b.UpdateCredentials,
		},
		Clients: ClientOptions{
			File: b.ClientsFile, Prune: b.Prune, UpdateCredentials: b.UpdateCredentials,
			RotateSecrets: b.RotateSecrets, Getenv: b.getenv(),
		},
	}
	if b.SecretsOut != "" {
		opts.WriteSecrets = b.secretWriter()
	}
	return Run(ctx, opts)
}

func (b *Bootstrap) getenv() func(string) string {
	if b.Getenv == nil {
		return func(string) string { return "" }
	}
	return b.Getenv
}

// secretWriter persists generated secrets to SecretsOut; "-" is the
// explicit request to print them on Stdout.
func (b *Bootstrap) secretWriter() func([]GeneratedSecret) error {
	if b.SecretsOut == "-" {
		printed := 0
		return func(s []GeneratedSecret) error {
			for _, g := range s[printed:] {
				if _, err := fmt.Fprintf(b.Stdout, "client_secret %s %s\n", g.ClientID, g.Secret); err != nil {
					return err
				}
			}
			printed = len(s)
			return nil
		}
	}
	f := SecretFile{Path: b.SecretsOut, Format: b.SecretsFormat, Namespace: b.Namespace}
	return f.Write
}
