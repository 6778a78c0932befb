package cli

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/serve/tokenhook"
)

// ServeTokenHookOptions are the flags of `authctl serve token-hook`.
type ServeTokenHookOptions struct {
	Listen         string
	KratosAdminURL string
	EmailField     string
	GroupsField    string
	GroupsScope    string
	// APIKey comes from the environment (tokenhook.APIKeyEnv), never a flag.
	APIKey string
}

// Validate checks required flags.
func (o *ServeTokenHookOptions) Validate() error {
	if o.KratosAdminURL == "" {
		return flagErrorf("required flag --kratos-admin-url is missing")
	}
	if len(o.APIKey) < tokenhook.MinAPIKeyLength {
		return withHint(fmt.Errorf("%s must hold the API key Hydra sends (at least %d characters)", tokenhook.APIKeyEnv, tokenhook.MinAPIKeyLength),
			"render the stack with authctl render: the Deployment sets it from the hook's Secret")
	}
	return nil
}

// addServeCommand adds a helper server's command under `authctl serve`.
func addServeCommand(root, cmd *cobra.Command) {
	if serve, _, err := root.Find([]string{"serve"}); err == nil && serve != root {
		serve.AddCommand(cmd)
	}
}

func newTokenHookCommand(factory *Factory, runF func(*ServeTokenHookOptions) error) *cobra.Command {
	streams := factory.IOStreams
	o := &ServeTokenHookOptions{}
	cmd := &cobra.Command{
		Use:   "token-hook --kratos-admin-url URL [--listen ADDR]",
		Short: "Hydra token hook: add email and groups from the Kratos identity to id_tokens",
		Long: `The token hook serves Hydra's oauth2.token_hook. For every token Hydra issues
(authorization code and refresh) it reads the subject's identity from the
Kratos admin API and adds email and email_verified (scope email) and groups
(the groups scope) to the id_token, from the identity fields the profile maps
(spec.kubernetes.claims). An inactive or deleted identity gets access_denied;
an unreachable Kratos fails the token request.

Only callers that send the API key from $` + tokenhook.APIKeyEnv + ` in the
` + tokenhook.APIKeyHeader + ` header are answered (Hydra's
oauth2.token_hook.auth); others get 401. Logs are JSON on stderr and never
contain tokens or the key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.APIKey = factory.Getenv(tokenhook.APIKeyEnv)
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			log := slog.New(slog.NewJSONHandler(streams.ErrOut, nil))
			h, err := tokenhook.NewTokenHook(tokenhook.Config{
				KratosAdminURL: o.KratosAdminURL, EmailField: o.EmailField, GroupsField: o.GroupsField,
				GroupsScope: o.GroupsScope, APIKey: o.APIKey, Logger: log,
			})
			if err != nil {
				return err
			}
			return serveHTTP(cmd.Context(), log, o.Listen, h)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", ":4460", "address to listen on")
	f.StringVar(&o.KratosAdminURL, "kratos-admin-url", "", "Kratos admin API URL")
	f.StringVar(&o.EmailField, "email-field", "traits.email", "identity field of the email claim")
	f.StringVar(&o.GroupsField, "groups-field", "metadata_public.groups", "identity field of the groups claim")
	f.StringVar(&o.GroupsScope, "groups-scope", "groups", "scope that releases the groups claim")
	return cmd
}
