package cli

import (
	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
)

func newSchemaCommand(streams IOStreams) *cobra.Command {
	return &cobra.Command{
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
			out, err := profile.JSONSchema()
			if err != nil {
				return err
			}
			_, err = streams.Out.Write(out)
			return err
		},
	}
}
