package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/pkg/profile"
)

// OffboardOptions are the flags of `authctl offboard`.
type OffboardOptions struct {
	ProfileFile    string
	Identifiers    []string
	KratosAdminURL string
	HydraAdminURL  string

	CAFile                string
	InsecureSkipTLSVerify bool
	Delete                bool
	Timeout               time.Duration
	Output                string
}

// Validate checks flag values.
func (o *OffboardOptions) Validate() error {
	if len(o.Identifiers) == 0 {
		return flagErrorf("name at least one identity (its email, other address or identifier, SSO subject provider:subject, or id)")
	}
	if err := checkOutput(o.Output, outputText); err != nil {
		return err
	}
	if o.ProfileFile == "" && (o.KratosAdminURL == "" || o.HydraAdminURL == "") {
		return flagErrorf("pass -f PROFILE, or both --kratos-admin-url and --hydra-admin-url")
	}
	return nil
}

func newOffboardCommand(factory *Factory, runF func(*OffboardOptions) error) *cobra.Command {
	streams := factory.IOStreams
	o := &OffboardOptions{}
	cmd := &cobra.Command{
		Use:   "offboard EMAIL|PROVIDER:SUBJECT|ID... [-f PROFILE] [--delete]",
		Short: "End a person's access now: deactivate (or delete) the identity and revoke every session and token",
		Long: `Offboard takes access away at once. An identity is found by any of its
addresses (traits.email, verifiable and recovery addresses, compared
without case), any credential identifier, its SSO subject as
PROVIDER:SUBJECT (the provider id of spec.kratos.oidcProviders and the
subject the provider gave, e.g. google:1234; case-sensitive), or its id. A
name that fits more than one identity is refused and nothing is changed for
it: name that person by id instead. For each identity found it

  1. sets the Kratos identity inactive (--delete: deletes it);
  2. ends its Kratos sessions (browser logins);
  3. revokes its Hydra consent sessions, which revokes their access and
     refresh tokens, and its Hydra login sessions.

The token hook refuses any new token for an identity that is not active (or
gone), so kubectl's next refresh fails and a cached id_token is useless once
it expires.

An identity that 'authctl bootstrap' manages follows its input: set
state: inactive there too (or remove it and run bootstrap --prune), or the
next bootstrap run makes it active again. Bootstrap revokes the sessions
itself when it deactivates or prunes an identity.`,
		Example: `  authctl offboard -f profile.yaml leaver@example.com
  authctl offboard -f profile.yaml google:108234967345112345678
  authctl offboard --kratos-admin-url https://127.0.0.1:4434 --hydra-admin-url https://127.0.0.1:4445 --delete leaver@example.com`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Identifiers = args
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runOffboard(cmd.Context(), streams, o, factory.Getenv)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile: its in-cluster admin URLs")
	f.StringVar(&o.KratosAdminURL, "kratos-admin-url", "", "Kratos admin URL (default $KRATOS_ADMIN_URL, then the profile's)")
	f.StringVar(&o.HydraAdminURL, "hydra-admin-url", "", "Hydra admin URL (default $HYDRA_ADMIN_URL, then the profile's)")
	addCAFlag(f, &o.CAFile, "PEM bundle to trust for the admin APIs, in addition to the system roots")
	f.BoolVar(&o.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "do not verify the admin APIs' certificates (unsafe)")
	f.BoolVar(&o.Delete, "delete", false, "delete the identities instead of deactivating them")
	f.DurationVar(&o.Timeout, "timeout", time.Minute, "give up after this long")
	addOutputFlag(cmd, &o.Output, outputText)
	return cmd
}

func runOffboard(ctx context.Context, streams IOStreams, o *OffboardOptions, getenv func(string) string) error {
	op := ory.Offboard{
		KratosAdminURL: o.KratosAdminURL, HydraAdminURL: o.HydraAdminURL, Getenv: getenv,
		CAFile: o.CAFile, InsecureSkipTLSVerify: o.InsecureSkipTLSVerify, Delete: o.Delete, Timeout: o.Timeout,
	}
	if o.ProfileFile != "" {
		p, err := profile.Load(o.ProfileFile)
		if err != nil {
			return err
		}
		op.Profile = p
	}
	results, runErr := op.Run(ctx, o.Identifiers)
	for _, r := range results {
		if r.Error != "" {
			fmt.Fprintf(streams.ErrOut, "✘ %s: %s\n", r.Identifier, r.Error)
			if r.Action == ory.OffboardAmbiguous {
				fmt.Fprintf(streams.ErrOut, "  try: authctl offboard ID, with the id of the one to offboard (%s)\n", strings.Join(r.Candidates, " or "))
			}
			continue
		}
		fmt.Fprintf(streams.ErrOut, "✔ %s (%s, by %s): %s; its sessions and tokens are revoked\n", r.Identifier, r.ID, strings.Join(r.Via, ", "), r.Action)
	}
	if isDataFormat(o.Output) && results != nil {
		if err := printData(streams.Out, o.Output, results); err != nil {
			return err
		}
		if runErr != nil {
			return reported(runErr) // each result on stdout has its error
		}
	}
	return runErr
}
