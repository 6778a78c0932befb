package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
)

// LoginOptions are the flags of `authctl login`.
type LoginOptions struct {
	Token  kubeconfig.Options
	Output string
}

// Validate checks flag values.
func (o *LoginOptions) Validate() error {
	return checkOutput(o.Output, outputText)
}

func newLoginCommand(streams IOStreams, runF func(*LoginOptions) error) *cobra.Command {
	o := &LoginOptions{}
	cmd := &cobra.Command{
		Use:   "login --issuer-url URL --client-id ID [flags]",
		Short: "Log in through the browser (or client credentials) and show who you are",
		Long: `Login runs the same flow as get-token, always interactively: it opens the
browser (or prints the URL with --skip-open-browser), verifies the id_token,
caches it for get-token and prints the subject, email, groups and expiry.`,
		Example: `  authctl login --issuer-url https://oauth.example.com/ --client-id kubectl
  AUTHCTL_CLIENT_SECRET=… authctl login --grant-type client-credentials --client-id ci --audience kubectl ...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			s, err := login.NewSession(&o.Token, login.Env{Stderr: streams.ErrOut, Stdin: streams.In, StdinIsTerminal: streams.IsStdinTTY()})
			if err != nil {
				return err
			}
			res, err := s.Login(cmd.Context())
			if err != nil {
				return authError(err)
			}
			return printClaims(streams, res.Claims, o.Output)
		},
	}
	addTokenFlags(cmd, &o.Token)
	addOutputFlag(cmd, &o.Output, outputText)
	return cmd
}

func printClaims(streams IOStreams, c *login.Claims, output string) error {
	if isDataFormat(output) {
		return printData(streams.Out, output, c)
	}
	groups := strings.Join(c.Groups, ", ")
	if groups == "" {
		groups = "(none)"
	}
	email := c.Email
	if email == "" {
		email = "(none)"
	}
	fmt.Fprintf(streams.Out, "subject: %s\nemail:   %s\ngroups:  %s\nexpires: %s (in %s)\n",
		c.Subject, email, groups, c.Expiry.Local().Format(time.RFC3339), time.Until(c.Expiry).Round(time.Second))
	return nil
}
