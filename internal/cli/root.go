// Package cli holds authctl's cobra commands. Commands are thin: they parse
// flags into an options struct, validate it and make one call into pkg/.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Build information, set by goreleaser through -ldflags -X.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// Main runs authctl and returns the process exit code.
func Main(args []string) int { return MainWith(args, NewFactory) }

// MainWith is Main on the factory newFactory returns: authctl-cluster
// passes one with a Cluster.
func MainWith(args []string, newFactory func(IOStreams) *Factory) int {
	streams := SystemStreams()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := newFactory(streams)
	f.Args = args
	cmd := NewRootCommandWith(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(streams.ErrOut, "cancelled")
		return ExitCancelled
	}
	var fe *flagError
	if errors.As(err, &fe) {
		fmt.Fprintf(streams.ErrOut, "error: %v\nrun '%s --help' for usage\n", err, commandPath(cmd, args))
		return ExitError
	}
	return printError(streams.ErrOut, err)
}

func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == nil {
		return root.Name()
	}
	return c.CommandPath()
}

// NewRootCommand builds the command tree on the real world (NewFactory).
func NewRootCommand(streams IOStreams) *cobra.Command {
	return NewRootCommandWith(NewFactory(streams))
}

// NewRootCommandWith builds the command tree on f.
func NewRootCommandWith(f *Factory) *cobra.Command {
	streams := f.IOStreams
	root := &cobra.Command{
		Use:   "authctl",
		Short: "Provision an Ory authentication stack for Kubernetes from one profile",
		Long: `authctl turns one profile file into a hardened, correctly wired Ory stack
(Kratos, Hydra, Oathkeeper and the self-service UI), bootstraps identities and
OAuth2 clients, and logs kubectl in through the same identity provider.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err: err} })
	root.AddCommand(
		newRenderCommand(streams, nil),
		newValidateCommand(streams, nil),
		newSchemaCommand(streams),
		newSecretsCommand(streams),
		newVersionCommand(streams),
		newBootstrapCommand(f, nil),
		newOffboardCommand(f, nil),
		newGetTokenCommand(f, nil),
		newLoginCommand(streams, nil),
		newLogoutCommand(streams, nil),
		newTokenCommand(f, nil),
		newKubeconfigCommand(f, nil),
		newServeCommand(streams),
		newRulesCommand(streams, nil),
		newInitCommand(streams, nil),
		newDoctorCommand(f, nil),
		newApplyCommand(f, nil),
		newHistoryCommand(f),
		newRollbackCommand(f),
	)
	addServeCommand(root, newTokenHookCommand(f, nil)) // authctl serve token-hook
	addServeCommand(root, newServeUICommand(f, nil))   // authctl serve ui
	registerCompletions(root)                          // completion command and dynamic completions
	return root
}
