package cli

import (
	"errors"
	"flag"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
)

// addTokenFlags binds the get-token options (pkg/kubeconfig owns their
// names, so the lean plugin binary and authctl spell them the same).
func addTokenFlags(cmd *cobra.Command, o *kubeconfig.Options) {
	fs := flag.NewFlagSet(cmd.Name(), flag.ContinueOnError)
	kubeconfig.BindFlags(fs, o)
	cmd.Flags().AddGoFlagSet(fs)
	// kubelogin's names work (a kubeconfig written for kubelogin runs
	// unchanged) but help lists authctl's only.
	for _, k := range kubeconfig.KubeloginFlags {
		_ = cmd.Flags().MarkHidden(k.Name)
	}
}

// authError turns "a person must log in" into exit code 4 with the hint.
func authError(err error) error {
	var ae *login.AuthRequiredError
	if errors.As(err, &ae) {
		return &exitError{code: ExitAuth, err: err, hint: ae.Hint}
	}
	return err
}

func newGetTokenCommand(factory *Factory, runF func(*kubeconfig.Options) error) *cobra.Command {
	streams := factory.IOStreams
	o := &kubeconfig.Options{}
	cmd := &cobra.Command{
		Use:   "get-token --issuer-url URL --client-id ID [flags]",
		Short: "Print a token for kubectl (the client-go exec credential plugin)",
		Long: `The get-token command prints one ExecCredential for kubectl, in the apiVersion kubectl
asked for in KUBERNETES_EXEC_INFO. A valid cached token is printed without any
network call. An expired one is refreshed; when that is impossible a browser
login runs, but only when kubectl says a person can answer (spec.interactive)
and stdin is a terminal. Otherwise it exits with code 4 and the authctl login
command to run.

kubeconfigs written by 'authctl kubeconfig setup' call the lean
authctl-get-token binary instead, which answers cache hits without loading
authctl's other packages and hands misses to this command.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(o)
			}
			res, apiVersion, err := login.PluginToken(cmd.Context(), o, login.PluginIO{
				Env:             login.Env{Stderr: streams.ErrOut, Stdin: streams.In},
				Getenv:          factory.Getenv,
				StdinIsTerminal: streams.IsStdinTTY(),
			})
			if err != nil {
				return authError(err)
			}
			return kubeconfig.WriteExecCredential(streams.Out, apiVersion, res.Tokens)
		},
	}
	addTokenFlags(cmd, o)
	return cmd
}
