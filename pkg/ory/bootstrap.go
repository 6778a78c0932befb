package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/authctl/authctl/pkg/ory/input"
	"github.com/authctl/authctl/pkg/ory/retry"
	"github.com/authctl/authctl/pkg/progress"
)

// Options configure one bootstrap run.
type Options struct {
	// KratosAdminURL and HydraAdminURL are the admin API base URLs; each is
	// needed only when its input file is set.
	KratosAdminURL string
	HydraAdminURL  string
	// KratosPublicURL, when set, is where the identity schemas are read
	// (Kratos' admin port redirects GET /schemas to its public base URL).
	KratosPublicURL string
	// HTTPClient carries TLS and timeouts (see NewHTTPClient).
	HTTPClient *http.Client
	// Headers are added to every request.
	Headers map[string]string

	Identities IdentityOptions
	Clients    ClientOptions

	// DryRun plans without writing anything.
	DryRun bool
	// Retry is the retry policy of every request (default retry.Default).
	Retry *retry.Policy
	// Progress receives progress (default: none).
	Progress progress.Reporter
	// WriteSecrets receives generated client secrets as soon as they exist.
	// It is required when a secret will be generated.
	WriteSecrets func([]GeneratedSecret) error
}

// ErrSecretOutputRequired is returned when a run would generate a client
// secret but has nowhere safe to put it.
var ErrSecretOutputRequired = errors.New("generated client secrets need an output file")

// Run plans and (unless DryRun) applies the identities and clients inputs.
// The returned error is for failures of the whole run (unreadable input,
// unreachable server); failures of single objects are in Summary.Errors.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.Progress == nil {
		o.Progress = progress.Nop{}
	}
	policy := retry.Default
	if o.Retry != nil {
		policy = *o.Retry
	}
	sum := &Summary{DryRun: o.DryRun}
	defer sum.sort()
	if o.Identities.File != "" {
		if o.KratosAdminURL == "" {
			return sum, errors.New("the Kratos admin URL is required for identities")
		}
		k := &kratosAdmin{api: newAPIClient(o.KratosAdminURL, o.HTTPClient, o.Headers), retry: policy}
		if o.KratosPublicURL != "" {
			k.public = newAPIClient(o.KratosPublicURL, o.HTTPClient, o.Headers)
		}
		rev := sessionRevoker{k: k}
		if o.HydraAdminURL != "" {
			rev.hydra = &hydraAdmin{api: newAPIClient(o.HydraAdminURL, o.HTTPClient, o.Headers), retry: policy}
		}
		s := &identitySync{o: o.Identities, dryRun: o.DryRun, sum: sum, prog: o.Progress, k: k, sessions: rev}
		if err := s.run(ctx); err != nil {
			return sum, fmt.Errorf("identities: %w", err)
		}
	}
	if o.Clients.File != "" || len(o.Clients.RotateSecrets) > 0 {
		if o.HydraAdminURL == "" {
			return sum, errors.New("the Hydra admin URL is required for clients")
		}
		if !o.DryRun && o.WriteSecrets == nil {
			needs, err := needsSecretOutput(o.Clients)
			if err != nil {
				return sum, fmt.Errorf("clients: %w", err)
			}
			if needs {
				return sum, ErrSecretOutputRequired
			}
		}
		s := &clientSync{
			o: o.Clients, dryRun: o.DryRun, sum: sum, prog: o.Progress, writeSecrets: o.WriteSecrets,
			h: &hydraAdmin{api: newAPIClient(o.HydraAdminURL, o.HTTPClient, o.Headers), retry: policy},
		}
		if err := s.run(ctx); err != nil {
			return sum, fmt.Errorf("clients: %w", err)
		}
	}
	return sum, nil
}

// needsSecretOutput reports whether a run could generate a secret: a
// rotation, or a confidential client without a given secret (which gets
// one if it has to be created).
func needsSecretOutput(o ClientOptions) (bool, error) {
	if len(o.RotateSecrets) > 0 {
		return true, nil
	}
	if o.File == "" {
		return false, nil
	}
	clients, err := input.ReadClients(o.File, o.Getenv)
	if err != nil {
		return false, err
	}
	for _, c := range clients {
		if !c.IsPublic() && c.Secret == "" {
			return true, nil
		}
	}
	return false, nil
}
