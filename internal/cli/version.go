package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCommand(streams IOStreams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of authctl",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := map[string]string{"version": Version, "commit": Commit, "date": Date, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
			switch output {
			case "":
				fmt.Fprintf(streams.Out, "authctl %s (commit %s, built %s, %s %s)\n", Version, Commit, Date, info["go"], info["platform"])
			case "json", "yaml":
				return printData(streams.Out, output, info)
			default:
				return flagErrorf("unknown -o %q (allowed: json, yaml)", output)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}
