package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
)

// LogoutOptions are the flags of `authctl logout`.
type LogoutOptions struct {
	Token kubeconfig.Options
	All   bool
}

// Validate checks flag combinations.
func (o *LogoutOptions) Validate() error {
	if !o.All && (o.Token.IssuerURL == "" || o.Token.ClientID == "") {
		return flagErrorf("name the login with --issuer-url and --client-id (and the other flags get-token has), or pass --all")
	}
	return nil
}

func newLogoutCommand(streams IOStreams, runF func(*LogoutOptions) error) *cobra.Command {
	o := &LogoutOptions{}
	cmd := &cobra.Command{
		Use:   "logout (--issuer-url URL --client-id ID [flags] | --all)",
		Short: "Delete cached kubectl tokens",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			if o.All {
				n, err := login.LogoutAll(o.Token.CacheDir)
				if err != nil {
					return err
				}
				fmt.Fprintf(streams.ErrOut, "deleted %d cached tokens\n", n)
				return nil
			}
			s, err := login.NewSession(&o.Token, login.Env{Stderr: streams.ErrOut})
			if err != nil {
				return err
			}
			if err := s.Logout(); err != nil {
				return err
			}
			fmt.Fprintln(streams.ErrOut, "logged out: the cached token is deleted")
			return nil
		},
	}
	addTokenFlags(cmd, &o.Token)
	// Only the flags of the cache key name a login. The others are still
	// accepted, so a kubeconfig's exec arguments can be pasted, but --help
	// does not list them.
	for _, name := range []string{"listen", "redirect-host", "browser-command", "skip-open-browser", "browser-launch-limit", "browser-launch-window"} {
		_ = cmd.Flags().MarkHidden(name)
	}
	cmd.Flags().BoolVar(&o.All, "all", false, "delete every cached token")
	return cmd
}
