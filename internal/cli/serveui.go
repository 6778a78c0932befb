package cli

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/serve/tokenhook"
	"github.com/authctl/authctl/pkg/serve/ui"
)

// ServeUIOptions are the flags of `authctl serve ui`.
type ServeUIOptions struct {
	Listen            string
	KratosPublicURL   string
	KratosBrowserURL  string
	KratosAdminURL    string
	HydraAdminURL     string
	ProductName       string
	FirstPartyClients []string
	Registration      bool
	Recovery          bool
	CSRFCookieName    string
	EmailField        string
	GroupsField       string
	GroupsScope       string
	// CSRFSecret comes from the environment (ui.CSRFSecretEnv), never a flag.
	CSRFSecret string
}

// Validate checks required flags.
func (o *ServeUIOptions) Validate() error {
	if o.KratosPublicURL == "" {
		return flagErrorf("required flag --kratos-public-url is missing")
	}
	if o.KratosBrowserURL == "" {
		return flagErrorf("required flag --kratos-browser-url is missing")
	}
	if len(o.CSRFSecret) < ui.MinSecretLength {
		return withHint(fmt.Errorf("%s must hold the UI's CSRF secret (at least %d characters)", ui.CSRFSecretEnv, ui.MinSecretLength),
			"render the stack with authctl render: the Deployment sets it from the UI's Secret")
	}
	return nil
}

func newServeUICommand(factory *Factory, runF func(*ServeUIOptions) error) *cobra.Command {
	streams := factory.IOStreams
	o := &ServeUIOptions{}
	cmd := &cobra.Command{
		Use:   "ui --kratos-public-url URL --kratos-browser-url URL [--hydra-admin-url URL] [--listen ADDR]",
		Short: "Serve the self-service pages: login, registration, settings, recovery, verification, consent, logout",
		Long: `The UI serves the pages a person meets when signing in to the stack: Kratos'
login, registration, settings (password, passkeys, authenticator app, backup
codes), recovery, verification and error flows, rendered from the flow's UI
nodes, and Hydra's consent and logout. Kratos handles Hydra's login
challenge itself (oauth2_provider.url).

Consent is given without asking only for the --first-party-client ids
(spec.ui.firstPartyClients) and for a consent Hydra remembers; it reads the
identity from --kratos-admin-url and puts email, email_verified and groups
into the id_token for the granted scopes, as the token hook does.

The CSRF secret of the UI's own forms comes from $` + ui.CSRFSecretEnv + `.
Logs are JSON on stderr and never contain cookies, tokens or the secret.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.CSRFSecret = factory.Getenv(ui.CSRFSecretEnv)
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			log := slog.New(slog.NewJSONHandler(streams.ErrOut, nil))
			h, err := ui.New(ui.Config{
				KratosPublicURL: o.KratosPublicURL, KratosBrowserURL: o.KratosBrowserURL,
				KratosAdminURL: o.KratosAdminURL, HydraAdminURL: o.HydraAdminURL,
				Claims:      tokenhook.ClaimFields{Email: o.EmailField, Groups: o.GroupsField, GroupsScope: o.GroupsScope},
				ProductName: o.ProductName, FirstPartyClients: o.FirstPartyClients,
				Registration: o.Registration, Recovery: o.Recovery,
				CSRFCookieName: o.CSRFCookieName, CSRFSecret: o.CSRFSecret, Logger: log,
			})
			if err != nil {
				return err
			}
			return serveHTTP(cmd.Context(), log, o.Listen, h)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", ":3000", "address to listen on")
	f.StringVar(&o.KratosPublicURL, "kratos-public-url", "", "Kratos public API URL as the UI reaches it")
	f.StringVar(&o.KratosBrowserURL, "kratos-browser-url", "", "Kratos public URL as browsers reach it")
	f.StringVar(&o.KratosAdminURL, "kratos-admin-url", "", "Kratos admin API URL (consent reads the identity's claims)")
	f.StringVar(&o.HydraAdminURL, "hydra-admin-url", "", "Hydra admin API URL (consent and logout challenges)")
	f.StringVar(&o.ProductName, "product-name", "", "name shown on every page")
	f.StringSliceVar(&o.FirstPartyClients, "first-party-client", nil, "OAuth2 client id whose consent is given without asking (repeatable)")
	f.BoolVar(&o.Registration, "registration", false, "link to self-service registration")
	f.BoolVar(&o.Recovery, "recovery", false, "link to account recovery")
	f.StringVar(&o.CSRFCookieName, "csrf-cookie-name", "authctl_ui_csrf", "cookie of the UI's own form tokens (a __Host- name is sent Secure)")
	f.StringVar(&o.EmailField, "email-field", "traits.email", "identity field of the email claim")
	f.StringVar(&o.GroupsField, "groups-field", "metadata_public.groups", "identity field of the groups claim")
	f.StringVar(&o.GroupsScope, "groups-scope", "groups", "scope that releases the groups claim")
	return cmd
}
