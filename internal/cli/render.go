package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// RenderOptions are the flags of `authctl render`.
type RenderOptions struct {
	ProfileFile string
	SecretsFile string
	OutputDir   string
	Format      string
	// Output is the stream's format on stdout: yaml (default) or json.
	Output string
	// MaxProfileSize caps the profile's size in bytes (0: the default).
	MaxProfileSize int64
}

// Validate checks flag combinations.
func (o *RenderOptions) Validate() error {
	if o.ProfileFile == "" {
		return flagErrorf("required flag -f/--filename is missing")
	}
	switch o.Output {
	case "", outputYAML:
	case outputJSON:
		if o.OutputDir != "" {
			return flagErrorf("-o json prints one JSON List on stdout: drop --output-dir, or drop -o json to write YAML files into %s", o.OutputDir)
		}
	default:
		// -o used to be --output-dir's shorthand: say what to type instead.
		return flagErrorf("unknown -o/--output %q (allowed: yaml, json); to write one file per object into a folder, use --output-dir %s", o.Output, o.Output)
	}
	switch o.Format {
	case "stream":
	case "kustomize", "helm":
		if o.OutputDir == "" {
			return flagErrorf("--format %s writes a directory: add --output-dir DIR", o.Format)
		}
	default:
		return flagErrorf("unknown --format %q (allowed: stream, kustomize, helm)", o.Format)
	}
	return nil
}

// newRenderCommand builds `authctl render`. runF replaces the behaviour in
// flag-parsing tests, as in the GitHub CLI.
func newRenderCommand(streams IOStreams, runF func(*RenderOptions) error) *cobra.Command {
	o := &RenderOptions{}
	cmd := &cobra.Command{
		Use:   "render -f PROFILE [-o yaml|json] [--output-dir DIR] [--format stream|kustomize|helm]",
		Short: "Render the Kubernetes manifests of a profile",
		Long: `Render writes the manifests of the stack a profile describes.

Without --output-dir the objects go to stdout as one YAML stream, or with
-o json as one JSON v1 List (as kubectl -o json prints several objects). With
--output-dir DIR each object is written to its own file; --format kustomize
writes a kustomize base and --format helm a Helm chart instead. The output is
deterministic: the same profile and secrets file give byte-identical output.

The folder must be new, empty, or an earlier render of authctl (listed in its
.authctl-render file). That render is replaced as a whole, whatever its
format, so no stale file survives; a folder holding anything else is refused.
Files with plaintext secret values are written 0600 and listed in a
.gitignore beside them.

-o is the output format, as on every other command and in kubectl; the
folder is always --output-dir (as in helm template --output-dir).`,
		Example: `  authctl render -f examples/minimal.yaml
  authctl render -f profile.yaml --output-dir out/
  authctl render -f profile.yaml -o json | jq '.items[].kind'
  authctl render -f profile.yaml --format helm --output-dir chart/`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{manifestsAnnotation: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runRender(cmd.Context(), streams, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile file")
	f.StringVar(&o.SecretsFile, "secrets-file", "", "secrets file for the generate policy (default: spec.secrets.file)")
	f.StringVar(&o.OutputDir, "output-dir", "", "write files into this directory instead of a stream to stdout")
	// -o is the output format, as on every other command (and in kubectl);
	// it was --output-dir's shorthand until 0.x, so a folder name given to
	// it gets an error that says to use --output-dir.
	f.StringVarP(&o.Output, "output", "o", outputYAML, "output format: yaml (default, one YAML stream) or json (one v1 List)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputYAML, outputJSON}, cobra.ShellCompDirectiveNoFileComp))
	f.StringVar(&o.Format, "format", "stream", "output format: stream (one file per object with --output-dir), kustomize or helm")
	addMaxProfileSizeFlag(cmd, &o.MaxProfileSize)
	return cmd
}

// loadProfileAndSecrets loads a profile and, for the generate policy, its secrets.
func loadProfileAndSecrets(ctx context.Context, profileFile, secretsFile string, opts profile.LoadOptions) (*profile.Profile, *secrets.File, error) {
	p, err := profile.LoadContext(ctx, profileFile, opts)
	if err != nil {
		return nil, nil, err
	}
	if p.Spec.Secrets.Policy != "generate" {
		return p, nil, nil
	}
	path := secretsPath(p, secretsFile)
	sf, err := secrets.Load(path)
	if errors.Is(err, secrets.ErrNotFound) {
		hint := "authctl secrets generate -f " + profileFile
		if secretsFile != "" {
			hint += " --secrets-file " + secretsFile // the file this command reads
		}
		return nil, nil, withHint(fmt.Errorf("%w (the generate policy keeps its secrets there)", err), hint)
	}
	if err != nil {
		return nil, nil, err
	}
	return p, sf, nil
}

func secretsPath(p *profile.Profile, flag string) string {
	if flag != "" {
		return flag
	}
	return p.ResolvePath(p.Spec.Secrets.File)
}

// addMaxProfileSizeFlag adds --max-profile-size, for the commands that read
// a profile someone else may have written.
func addMaxProfileSizeFlag(cmd *cobra.Command, v *int64) {
	cmd.Flags().Int64Var(v, "max-profile-size", 0, fmt.Sprintf("largest profile to read, in bytes (0: %d)", profile.DefaultMaxBytes))
}

func runRender(ctx context.Context, streams IOStreams, o *RenderOptions) error {
	p, sf, err := loadProfileAndSecrets(ctx, o.ProfileFile, o.SecretsFile, profile.LoadOptions{MaxBytes: o.MaxProfileSize})
	if err != nil {
		return err
	}
	managedBy := render.ManagedByAuthctl
	if o.Format == "helm" {
		managedBy = render.ManagedByHelm // the chart's release owns the objects
	}
	res, err := render.Render(render.Options{Profile: p, Secrets: sf, ManagedBy: managedBy})
	if err != nil {
		return err
	}
	if o.OutputDir == "" {
		if o.Output == outputJSON {
			return res.WriteJSONList(streams.Out)
		}
		return res.WriteStream(streams.Out)
	}
	format := o.Format
	if format == "stream" {
		format = "dir"
	}
	written, err := res.WriteDir(o.OutputDir, format, p.Metadata.Name, chartVersion())
	var foreign *render.ForeignDirError
	if errors.As(err, &foreign) {
		return withHint(err, "render into a new or empty folder, or move the files authctl did not write (a render by an older authctl has no "+render.ManifestFile+" list: remove that folder once)")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.ErrOut, "wrote %d files to %s\n", len(written), o.OutputDir)
	return nil
}
