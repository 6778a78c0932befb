package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
)

// TokenVerifyOptions are the flags of `authctl token verify`.
type TokenVerifyOptions struct {
	Issuer   kubeconfig.Options
	Audience string
	Token    string
}

// Validate checks flag combinations.
func (o *TokenVerifyOptions) Validate() error {
	if o.Issuer.IssuerURL == "" {
		return flagErrorf("required flag --issuer-url is missing")
	}
	return nil
}

func newTokenCommand(factory *Factory, runF func(*TokenVerifyOptions) error) *cobra.Command {
	streams := factory.IOStreams
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Decode and verify JWTs (id_tokens, JWT access tokens)",
		Long: `Token looks inside the tokens the stack issues: 'token decode' prints a JWT's
header and claims without checking anything; 'token verify' checks its
signature, issuer, audience and lifetime against the issuer's keys.`,
	}
	var decodeOutput string
	decode := &cobra.Command{
		Use:   "decode TOKEN|-",
		Short: "Print a JWT's header and claims without verifying anything",
		Long: `Decode prints a JWT's header and claims as JSON. It verifies nothing: use
'authctl token verify' to know whether the token is genuine. Give the token
as the argument, or - to read it from stdin (keeps it out of shell history).
On a terminal (the default -o text) the times in it (exp, iat, nbf,
auth_time) are also shown as dates on stderr; -o json or yaml prints the
data alone.`,
		Example: `  authctl token decode - < token.txt
  authctl token decode - -o json < token.txt | jq .claims.groups`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkOutput(decodeOutput, outputText); err != nil {
				return err
			}
			raw, err := tokenArg(streams.In, args[0])
			if err != nil {
				return err
			}
			d, err := login.Decode(raw)
			if err != nil {
				return err
			}
			if isDataFormat(decodeOutput) {
				return printData(streams.Out, decodeOutput, d)
			}
			fmt.Fprintln(streams.ErrOut, "note: decoded only; use 'authctl token verify' to check it")
			if err := writeJSON(streams.Out, d); err != nil {
				return err
			}
			printTokenTimes(streams.ErrOut, d.Claims, time.Now())
			return nil
		},
	}
	addOutputFlag(decode, &decodeOutput, outputText)
	cmd.AddCommand(decode)
	o := &TokenVerifyOptions{}
	verify := &cobra.Command{
		Use:   "verify TOKEN|- --issuer-url URL [--audience AUD]",
		Short: "Check a JWT's signature (issuer JWKS), iss, aud, exp and nbf",
		Long: `Verify checks a token the way the API server does: the signature with the
issuer's published keys, and the iss, aud, exp and nbf claims. It prints the
header and claims when the token is valid and exits 1 when it is not.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			raw, err := tokenArg(streams.In, args[0])
			if err != nil {
				return err
			}
			o.Token = raw
			if runF != nil {
				return runF(o)
			}
			d, err := login.Verify(cmd.Context(), &o.Issuer, o.Audience, raw, factory.Now())
			if err != nil {
				return err
			}
			fmt.Fprintln(streams.ErrOut, "token is valid: "+login.Checked(o.Audience, d))
			return writeJSON(streams.Out, d)
		},
	}
	f := verify.Flags()
	f.StringVar(&o.Issuer.IssuerURL, "issuer-url", "", "issuer the token must come from")
	f.StringVar(&o.Audience, "audience", "", "audience the token must carry (e.g. the kubectl client id)")
	f.StringArrayVar(&o.Issuer.CAFiles, "certificate-authority", nil, "PEM file of CAs trusted for the issuer (repeatable)")
	f.BoolVar(&o.Issuer.Insecure, "insecure-skip-tls-verify", false, "do not verify the issuer's TLS certificate (unsafe)")
	cmd.AddCommand(verify)
	return cmd
}

// tokenArg reads the token from the argument, or stdin for "-" (keeps it
// out of shell history and process listings).
func tokenArg(in io.Reader, arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(in, 1<<20))
	if err != nil {
		return "", fmt.Errorf("could not read the token from stdin: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// writeJSON is printData as JSON: the one printer.
func writeJSON(w io.Writer, v any) error { return printData(w, outputJSON, v) }

// printTokenTimes writes the claims that are times (seconds since the
// epoch) as dates, and how far they are from now.
func printTokenTimes(w io.Writer, claims map[string]any, now time.Time) {
	for _, name := range []string{"iat", "nbf", "auth_time", "exp"} {
		v, ok := claims[name].(float64)
		if !ok {
			continue
		}
		at := time.Unix(int64(v), 0).UTC()
		rel := at.Sub(now).Round(time.Second)
		when := "in " + rel.String()
		if rel < 0 {
			when = (-rel).String() + " ago"
		}
		fmt.Fprintf(w, "%-9s %s (%s)\n", name+":", at.Format(time.RFC3339), when)
	}
}
