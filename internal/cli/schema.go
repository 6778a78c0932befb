package cli

import (
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
)

func newSchemaCommand(streams IOStreams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the profile's JSON Schema",
		Long: `Schema prints the JSON Schema of the profile format, the one this authctl
validates with. The profiles authctl init writes point yaml-language-server
at the published copy (https://authctl.dev/schemas/profile-v1alpha1.json);
offline, or to match this exact build, save it and point the first line at
the file instead:

  authctl schema > profile.schema.json
  # yaml-language-server: $schema=./profile.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != outputJSON && output != outputYAML {
				return flagErrorf("unknown -o/--output %q (allowed: json, yaml)", output)
			}
			out, err := profile.JSONSchema()
			if err != nil {
				return err
			}
			if output == outputYAML {
				if out, err = yaml.JSONToYAML(out); err != nil {
					return err
				}
			}
			_, err = streams.Out.Write(out)
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputJSON, "output format: json (default) or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputJSON, outputYAML}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
