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

// ValidateOptions are the flags of `authctl validate`.
type ValidateOptions struct {
	ProfileFile    string
	SecretsFile    string
	MaxProfileSize int64
	Output         string
}

// Validate checks flag values.
func (o *ValidateOptions) Validate() error {
	if o.ProfileFile == "" {
		return flagErrorf("required flag -f/--filename is missing")
	}
	return checkOutput(o.Output, outputText)
}

// validationProblem is one problem of `validate -o json|yaml`.
type validationProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// validationReport is what `validate -o json|yaml` prints.
type validationReport struct {
	File   string              `json:"file"`
	Valid  bool                `json:"valid"`
	Errors []validationProblem `json:"errors"`
	// Warnings do not make the profile invalid: what bites later, and
	// each Secret to create (its hint is the kubectl line).
	Warnings []validationProblem `json:"warnings"`
	// Secrets are the Secrets the user must create, as data.
	Secrets []render.SecretToCreate `json:"secrets"`
	Notes   []string                `json:"notes,omitempty"`
}

func problemOf(e *profile.FieldError) validationProblem {
	return validationProblem{File: e.File, Line: e.Pos.Line, Col: e.Pos.Col, Path: e.Path, Message: e.Msg, Hint: e.Hint}
}

func newValidateCommand(streams IOStreams, runF func(*ValidateOptions) error) *cobra.Command {
	o := &ValidateOptions{}
	cmd := &cobra.Command{
		Use:   "validate -f PROFILE",
		Short: "Check a profile (and its secrets file) without rendering",
		Long: `Validate reports every problem in a profile with its file:line:col and what
is allowed there. With the generate policy the secrets file is checked too
when it exists.

A valid profile can still bite later; validate warns (on stderr, exit code
0) when kubectl accepts only verified emails and no courier can verify
them, when registration is off while SSO is on, and for every Secret the
stack reads that you must create yourself (SSO client secrets, database
DSNs, the SMTP URI, the TLS certificate, the existingSecret policy's), each
with the kubectl line that creates it.

With -o json (or yaml) the report goes to stdout as data: one entry per
problem with file, line, col, path, message and hint; the exit code is 1
when there is any. Warnings are in "warnings" (the same fields) and the
Secrets to create in "secrets".`,
		Example: `  authctl validate -f profile.yaml
  authctl validate -f profile.yaml -o json | jq -r '.errors[] | "\(.line):\(.col) \(.message)"'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runValidate(cmd.Context(), streams, o)
		},
	}
	cmd.Flags().StringVarP(&o.ProfileFile, "filename", "f", "", "profile file")
	cmd.Flags().StringVar(&o.SecretsFile, "secrets-file", "", "secrets file (default: spec.secrets.file)")
	addOutputFlag(cmd, &o.Output, outputText)
	addMaxProfileSizeFlag(cmd, &o.MaxProfileSize)
	return cmd
}

func runValidate(ctx context.Context, streams IOStreams, o *ValidateOptions) error {
	report := validationReport{File: o.ProfileFile, Errors: []validationProblem{}, Warnings: []validationProblem{}, Secrets: []render.SecretToCreate{}}
	p, err := validateFiles(ctx, o, &report)
	var warns profile.ErrorList
	if p != nil {
		warns = profileWarnings(p)
		for _, w := range warns {
			report.Warnings = append(report.Warnings, problemOf(w))
		}
		report.Secrets = append(report.Secrets, render.SecretsToCreate(p)...)
	}
	// Warnings go to stderr whatever the format: stdout stays data.
	printWarnings(streams.ErrOut, warns)
	if !isDataFormat(o.Output) {
		if err != nil {
			return err
		}
		for _, n := range report.Notes {
			fmt.Fprintf(streams.ErrOut, "note: %s\n", n)
		}
		fmt.Fprintf(streams.ErrOut, "%s is valid\n", o.ProfileFile)
		return nil
	}
	list := profile.AsErrorList(err)
	if err != nil && list == nil {
		// Not a problem in the file (it cannot be read, say): no report.
		return err
	}
	for _, e := range list {
		report.Errors = append(report.Errors, problemOf(e))
	}
	report.Valid = len(report.Errors) == 0
	if err := printData(streams.Out, o.Output, report); err != nil {
		return err
	}
	if !report.Valid {
		return fmt.Errorf("%s has %d problem(s)", o.ProfileFile, len(report.Errors))
	}
	return nil
}

// validateFiles loads the profile and, for the generate policy, its
// secrets file when it exists; a missing secrets file is a note.
// It returns the profile when it loaded.
func validateFiles(ctx context.Context, o *ValidateOptions, report *validationReport) (*profile.Profile, error) {
	// validate also reads the bootstrap files the profile names, item by item.
	p, err := profile.LoadContext(ctx, o.ProfileFile, profile.LoadOptions{MaxBytes: o.MaxProfileSize, CheckIdentities: true})
	if err != nil {
		return nil, err
	}
	if p.Spec.Secrets.Policy == "generate" {
		path := secretsPath(p, o.SecretsFile)
		_, err := secrets.Load(path)
		switch {
		case errors.Is(err, secrets.ErrNotFound):
			report.Notes = append(report.Notes, fmt.Sprintf("%s does not exist yet; run: authctl secrets generate -f %s", path, o.ProfileFile))
		case err != nil:
			return p, err
		}
	}
	return p, nil
}
