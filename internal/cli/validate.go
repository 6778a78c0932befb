package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/secrets"
)

func newValidateCommand(streams IOStreams) *cobra.Command {
	var file, secretsFile string
	var maxSize int64
	cmd := &cobra.Command{
		Use:   "validate -f PROFILE",
		Short: "Check a profile (and its secrets file) without rendering",
		Long: `Validate reports every problem in a profile with its file:line:col and what
is allowed there. With the generate policy the secrets file is checked too
when it exists.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return flagErrorf("required flag -f/--filename is missing")
			}
			p, err := profile.LoadContext(cmd.Context(), file, profile.LoadOptions{MaxBytes: maxSize, CheckIdentities: true})
			if err != nil {
				return err
			}
			if p.Spec.Secrets.Policy == "generate" {
				path := secretsPath(p, secretsFile)
				_, err := secrets.Load(path)
				switch {
				case errors.Is(err, secrets.ErrNotFound):
					fmt.Fprintf(streams.ErrOut, "note: %s does not exist yet; run: authctl secrets generate -f %s\n", path, file)
				case err != nil:
					return err
				}
			}
			fmt.Fprintf(streams.ErrOut, "%s is valid\n", file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "profile file")
	cmd.Flags().StringVar(&secretsFile, "secrets-file", "", "secrets file (default: spec.secrets.file)")
	addMaxProfileSizeFlag(cmd, &maxSize)
	return cmd
}
