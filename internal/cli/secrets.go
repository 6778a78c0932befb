package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/secrets"
)

func newSecretsCommand(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the local secrets file of the generate policy",
		Long: `Secrets manages the values of the generate policy (spec.secrets.policy:
generate): 'secrets generate' creates the ones a profile needs with
crypto/rand in a 0600 file and keeps existing ones; 'secrets upstream'
prints one upstream's gateway secret when asked; 'secrets rotate' and
'secrets prune' renew them without logging anyone out. With the existingSecret or
externalSecret policies the values live in the cluster instead.`,
	}
	var file, secretsFile string
	gen := &cobra.Command{
		Use:   "generate -f PROFILE",
		Short: "Create the secrets a profile needs, keeping existing ones",
		Long: `Generate fills the secrets file of a profile with values from crypto/rand.
Existing values are never changed, so it is safe to run again. The file is
written with mode 0600 and its directory is git-ignored. Values are never
printed.

Secrets whose values are yours (SSO client secrets, database DSNs, the SMTP
URI, the TLS certificate, and with the existingSecret policy the stack's own)
are not generated: it lists them on stderr, each with the kubectl line that
creates it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return flagErrorf("required flag -f/--filename is missing")
			}
			p, err := profile.Load(file)
			if err != nil {
				return err
			}
			if p.Spec.Secrets.Policy != "generate" {
				printSecretsToCreate(streams.ErrOut, p)
				return fmt.Errorf("the profile's secrets policy is %q; only the generate policy keeps a secrets file", p.Spec.Secrets.Policy)
			}
			path := secretsPath(p, secretsFile)
			n, err := secrets.Generator{}.FillFile(path)
			if err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintf(streams.ErrOut, "%s already holds every secret\n", path)
			} else {
				fmt.Fprintf(streams.ErrOut, "generated %d secrets into %s (mode 0600, git-ignored)\n", n, path)
			}
			printSecretsToCreate(streams.ErrOut, p)
			return nil
		},
	}
	gen.Flags().StringVarP(&file, "filename", "f", "", "profile file")
	gen.Flags().StringVar(&secretsFile, "secrets-file", "", "secrets file (default: spec.secrets.file)")
	cmd.AddCommand(gen, newSecretsUpstreamCommand(streams), newSecretsRotateCommand(streams), newSecretsPruneCommand(streams))
	return cmd
}
