package cli

import (
	"errors"
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
		Long: `Logout deletes every cached token of an issuer and client id, whatever
scopes, CA or grant they were obtained with (on disk and in the OS keyring),
and says how many. When none matched it exits 1 with "nothing matched".
--all deletes every cached token.`,
		Args: cobra.NoArgs,
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
			n, err := login.Logout(o.Token.CacheDir, o.Token.IssuerURL, o.Token.ClientID)
			var nm *login.NothingMatchedError
			if errors.As(err, &nm) {
				return withHint(err, "authctl logout --all"+dirFlag(o.Token.CacheDir)+" (or compare --issuer-url and --client-id with the kubeconfig's exec arguments)")
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.ErrOut, "logged out: deleted %d cached %s for issuer %s and client id %q\n", n, plural(n, "token", "tokens"), o.Token.IssuerURL, o.Token.ClientID)
			return nil
		},
	}
	addTokenFlags(cmd, &o.Token)
	// Only the flags of the cache key name a login. The others are still
	// accepted, so a kubeconfig's exec arguments can be pasted, but --help
	// does not list them.
	for _, name := range []string{"listen", "redirect-host", "browser-command", "skip-open-browser", "browser-launch-limit", "browser-launch-window", "redirect-without-path", "force-refresh"} {
		_ = cmd.Flags().MarkHidden(name)
	}
	cmd.Flags().BoolVar(&o.All, "all", false, "delete every cached token")
	return cmd
}

func dirFlag(dir string) string {
	if dir == "" {
		return ""
	}
	return " --token-cache-dir=" + dir
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
