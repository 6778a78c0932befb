// Package cli holds authctl's cobra commands. Commands are thin: they parse
// flags into an options struct, validate it and make one call into pkg/.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/kubeconfig"
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
	if len(args) > 0 && args[0] == "get-token" {
		// kubelogin's -v1 in a kubeconfig (pflag would read -v, then an
		// unknown shorthand 1).
		args = append([]string{"get-token"}, kubeconfig.KlogVerbosity(args[1:])...)
	}
	f.Args = args
	cmd := NewRootCommandWith(f)
	cmd.SetArgs(args)
	ran, err := cmd.ExecuteContextC(ctx)
	return finish(cmd, ran, args, streams, err)
}

// finish reports err (printed once) and returns the exit code; ran is the
// command that ran.
func finish(cmd, ran *cobra.Command, args []string, streams IOStreams, err error) int {
	if err == nil {
		return ExitOK
	}
	code := exitCode(cmd, args, streams, err)
	// With -o json|yaml, stdout is data on every outcome: a command that
	// failed without writing its own report gets one.
	var rep *reportedError
	if format := dataFormatOf(ran); format != "" && !errors.As(err, &rep) {
		printDataError(streams.Out, format, err, code)
	}
	return code
}

// exitCode prints err once on stderr and returns the exit code.
func exitCode(cmd *cobra.Command, args []string, streams IOStreams, err error) int {
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

// manifestsAnnotation marks a command whose -o is the format of
// manifests (render), not of a report: an error report on its stdout would
// be read as a manifest by a pipe into kubectl apply.
const manifestsAnnotation = "authctl.dev/manifests"

// dataFormatOf is the json or yaml that c's -o/--output asks for, or "".
func dataFormatOf(c *cobra.Command) string {
	if c == nil || c.Annotations[manifestsAnnotation] == "true" {
		return ""
	}
	if f := c.Flags().Lookup("output"); f != nil && isDataFormat(f.Value.String()) {
		return f.Value.String()
	}
	return ""
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
	hintFilenameArgs(root)
	return root
}

// hintFilenameArgs makes the commands that read a profile with -f and take
// no arguments say so when given a file name as an argument (authctl
// validate base.yaml), instead of cobra's "unknown command".
func hintFilenameArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		hintFilenameArgs(sub)
	}
	f := c.Flags().Lookup("filename")
	if f == nil || c.Args == nil || reflect.ValueOf(c.Args).Pointer() != reflect.ValueOf(cobra.NoArgs).Pointer() {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		if len(args) == 1 && !f.Changed {
			return flagErrorf("%s takes the profile with -f: %s -f %s", cmd.CommandPath(), cmd.CommandPath(), args[0])
		}
		return cobra.NoArgs(cmd, args)
	}
}
