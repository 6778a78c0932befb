package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

func newSecretsRotateCommand(streams IOStreams) *cobra.Command {
	var file, secretsFile string
	cmd := &cobra.Command{
		Use:   "rotate -f PROFILE [SECRET...]",
		Short: "Put new secrets and keys in use, keeping the old ones valid until pruned",
		Long: `Rotate puts a new value in use for each named secret (all of them
without names) in the secrets file of the generate policy. Ory's secret
lists and Oathkeeper's key set keep their old values, which go on
verifying cookies, tokens and reissued JWTs (and decrypting data) until
'authctl secrets prune' drops them, so nobody is logged out. The token hook
key, the UI's CSRF secret and the gateway secret are single values: the
new one replaces the old one, and what that interrupts is printed.

Then run 'authctl apply -f PROFILE' to roll the pods onto the new Secrets.
Values are never printed.

Secrets: ` + strings.Join(secrets.RotatableNames(), ", "),
		Example: `  authctl secrets rotate -f profile.yaml
  authctl secrets rotate -f profile.yaml kratos-cookie hydra-system
  authctl apply -f profile.yaml
  authctl secrets prune -f profile.yaml      # once the old sessions and tokens expired`,
		ValidArgs: secrets.RotatableNames(),
		RunE: func(cmd *cobra.Command, names []string) error {
			p, path, err := secretsFileOf(streams.Out, file, secretsFile, "rotate")
			if err != nil || p == nil {
				return err
			}
			done, err := secrets.Generator{}.RotateFile(path, names, time.Now())
			if err != nil {
				return err
			}
			if len(done) == 0 {
				return errors.New("nothing to rotate: the secrets file holds none of these (run authctl secrets generate first)")
			}
			for _, r := range done {
				fmt.Fprintf(streams.ErrOut, "rotated %s (%s)", r.Name, r.Path)
				if r.Overlap {
					fmt.Fprint(streams.ErrOut, ": the old value stays valid until pruned")
				}
				if r.Note != "" {
					fmt.Fprintf(streams.ErrOut, "\n  note: %s", r.Note)
				}
				fmt.Fprintln(streams.ErrOut)
			}
			fmt.Fprintf(streams.ErrOut, "next: authctl apply -f %s (rolls the pods), then, once the old sessions and tokens expired: authctl secrets prune -f %s\n", file, file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "profile file")
	cmd.Flags().StringVar(&secretsFile, "secrets-file", "", "secrets file (default: spec.secrets.file)")
	return cmd
}

func newSecretsPruneCommand(streams IOStreams) *cobra.Command {
	var file, secretsFile string
	var olderThan time.Duration
	cmd := &cobra.Command{
		Use:   "prune -f PROFILE [SECRET...]",
		Short: "Drop the old values of rotated secrets once nothing made with them is valid",
		Long: `Prune drops the old values that 'authctl secrets rotate' kept, for each
named secret (all without names), once its rotation is older than what was
made with the old value can live: the Kratos session lifespan for the
Kratos cookie and default secrets, the longest reissue TTL plus an hour for
Oathkeeper's keys, 24h otherwise. --older-than replaces every wait.

Two are kept: Kratos' cipher secret until --older-than says so (data
encrypted with it stays in the database), and Hydra's system secret always
(Hydra v2.3.0 keeps its signing keys encrypted with the value they were
made with and re-encrypts nothing). After pruning, cookies and tokens made
with the old values are refused: run 'authctl apply -f PROFILE'.`,
		Example: `  authctl secrets prune -f profile.yaml
  authctl secrets prune -f profile.yaml kratos-cookie --older-than 1h`,
		ValidArgs: secrets.RotatableNames(),
		RunE: func(cmd *cobra.Command, names []string) error {
			if olderThan < 0 {
				return flagErrorf("--older-than must not be negative")
			}
			p, path, err := secretsFileOf(streams.Out, file, secretsFile, "prune")
			if err != nil || p == nil {
				return err
			}
			now := time.Now()
			res, err := secrets.PruneFile(path, names, secrets.PruneWaits(p, olderThan), now)
			if err != nil {
				return err
			}
			pruned := 0
			for _, r := range res {
				switch {
				case r.Kept:
					fmt.Fprintf(streams.ErrOut, "kept %s: %s\n", r.Name, r.NoPrune)
				case r.Removed > 0:
					pruned++
					fmt.Fprintf(streams.ErrOut, "pruned %s: %d old %s dropped\n", r.Name, r.Removed, plural(r.Removed, "value", "values"))
				case r.Asked:
					fmt.Fprintf(streams.ErrOut, "kept %s: data encrypted with the old value may remain; prune it with --older-than once it was rewritten\n", r.Name)
				default:
					fmt.Fprintf(streams.ErrOut, "kept %s: what was made with its old values may be in use until %s (or pass --older-than)\n",
						r.Name, r.Until.UTC().Format(time.RFC3339))
				}
			}
			if len(res) == 0 {
				fmt.Fprintln(streams.ErrOut, "nothing to prune: no rotated secret keeps old values")
				return nil
			}
			if pruned > 0 {
				fmt.Fprintf(streams.ErrOut, "next: authctl apply -f %s\n", file)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "profile file")
	cmd.Flags().StringVar(&secretsFile, "secrets-file", "", "secrets file (default: spec.secrets.file)")
	cmd.Flags().DurationVar(&olderThan, "older-than", 0, "prune old values whose rotation is at least this old, whatever made with them may still be valid (default: from the profile's lifespans)")
	return cmd
}

// secretsFileOf loads the profile and returns its secrets file. With the
// existingSecret policy it prints (to out: the user asked for it) which
// Secret keys to change, and with externalSecret it says where the values
// live; both return a nil profile.
func secretsFileOf(out io.Writer, file, flag, verb string) (*profile.Profile, string, error) {
	if file == "" {
		return nil, "", flagErrorf("required flag -f/--filename is missing")
	}
	p, err := profile.Load(file)
	if err != nil {
		return nil, "", err
	}
	switch p.Spec.Secrets.Policy {
	case "existingSecret":
		fmt.Fprintf(out, "The stack's secrets are your Secrets (spec.secrets.existingSecret); %s them there:\n", verb)
		for _, c := range []string{"kratos", "hydra", "oathkeeper", "ui"} {
			keys := render.ComponentSecretKeys(p, c)
			fmt.Fprintf(out, "  %s Secret: keys %s\n", c, strings.Join(keys, ", "))
		}
		fmt.Fprintln(out, "Ory's secret keys hold comma-separated lists: the first value signs, the others still verify. To rotate, put a new value first and keep the old ones; to prune, drop them. Then restart the pods (kubectl rollout restart deployment -n "+p.Metadata.Namespace+").")
		return nil, "", nil
	case "externalSecret":
		return nil, "", withHint(fmt.Errorf("the stack's secrets live in your secret store (spec.secrets.policy: externalSecret): %s them there", verb),
			"Ory's secret keys hold comma-separated lists: the first value signs, the others still verify")
	}
	return p, secretsPath(p, flag), nil
}
