package cli

import (
	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
)

func newSchemaCommand(streams IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the profile's JSON Schema",
		Long: `Schema prints the JSON Schema of the profile format. Save it and point
yaml-language-server at it for completion and checks in editors:

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
