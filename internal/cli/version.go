package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/buildinfo"
)

// build is this binary's build information: the -ldflags values, else
// what the Go toolchain embedded (module version, VCS revision and time).
func build() buildinfo.Info { return buildinfo.Current(Version, Commit, Date) }

func newVersionCommand(streams IOStreams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of authctl",
		Long: `Version prints authctl's version, the commit it was built from and the
build date, from the release build or from the Go build information of a
source build.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := build()
			commit := b.Commit
			if b.Modified {
				commit += " (modified)"
			}
			info := map[string]string{"version": b.Version, "commit": commit, "date": b.Date, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
			if err := checkOutput(output, outputText); err != nil {
				return err
			}
			switch output {
			case "", outputText:
				fmt.Fprintf(streams.Out, "authctl %s (commit %s, built %s, %s %s)\n", b.Version, commit, b.Date, info["go"], info["platform"])
			default:
				return printData(streams.Out, output, info)
			}
			return nil
		},
	}
	addOutputFlag(cmd, &output, outputText)
	return cmd
}
