package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// RulesTestOptions are the flags of `authctl rules test`.
type RulesTestOptions struct {
	ProfileFile string
	URL         string
	Method      string
	Output      string
	// Expect is "", allow or deny: the exit code says whether the
	// decision was that (for CI).
	Expect string
}

// Validate checks flag combinations.
func (o *RulesTestOptions) Validate() error {
	if o.ProfileFile == "" {
		return flagErrorf("required flag -f/--filename is missing")
	}
	if o.URL == "" {
		return flagErrorf("required flag --url is missing")
	}
	if err := checkOutput(o.Output, outputText); err != nil {
		return err
	}
	switch o.Expect {
	case "", render.DecisionAllow, render.DecisionDeny:
	default:
		return flagErrorf("unknown --expect %q (allowed: allow, deny)", o.Expect)
	}
	return nil
}

func newRulesCommand(streams IOStreams, runF func(*RulesTestOptions) error) *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Inspect the access rules a profile renders",
		Long: `Rules works on the Oathkeeper access rules the profile's spec.services
render, offline: 'rules test' shows which rule and pipeline would handle a
request, the way Oathkeeper matches it.`}
	o := &RulesTestOptions{}
	test := &cobra.Command{
		Use:   "test -f PROFILE --url URL [--method GET]",
		Short: "Show which rule and pipeline would handle a request (offline)",
		Long: `Test evaluates a request against the rendered Oathkeeper rules without a
server, with Oathkeeper's own regexp engine. It prints the matching rule and
the authenticator, authorizer and mutator pipeline that would run. It exits
with 1 when no rule or more than one rule matches.

--expect allow|deny is for CI: the exit code is 0 only when the decision is
the one expected. allow means one service's rule handles the request (it
still asks for what that service's allow list asks); deny means it is
refused whatever the credentials (the default deny, no rule, or several).`,
		Example: `  authctl rules test -f profile.yaml --url https://grafana.example.com/api/x --method GET
  authctl rules test -f profile.yaml --url https://grafana.example.com/../admin --expect deny`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runRulesTest(streams, o)
		},
	}
	f := test.Flags()
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile file")
	f.StringVar(&o.URL, "url", "", "request URL")
	f.StringVarP(&o.Method, "method", "X", "GET", "request method")
	f.StringVar(&o.Expect, "expect", "", "allow or deny: exit 1 unless the decision is that (for CI); allow means one service rule handles the request, deny that it is refused whatever the credentials")
	_ = test.RegisterFlagCompletionFunc("expect", cobra.FixedCompletions([]string{render.DecisionAllow, render.DecisionDeny}, cobra.ShellCompDirectiveNoFileComp))
	addOutputFlag(test, &o.Output, outputText)
	cmd.AddCommand(test)
	return cmd
}

func runRulesTest(streams IOStreams, o *RulesTestOptions) error {
	p, err := profile.Load(o.ProfileFile)
	if err != nil {
		return err
	}
	res, err := render.BuildRules(p).Match(o.Method, o.URL)
	if err != nil {
		return err
	}
	switch {
	case isDataFormat(o.Output):
		if err := printData(streams.Out, o.Output, res); err != nil {
			return err
		}
	default:
		fmt.Fprintf(streams.Out, "%s %s\n%s\n", res.Method, res.URL, res.Verdict)
		for _, r := range res.Matched {
			fmt.Fprintf(streams.Out, "\nrule %s\n", r.ID)
			var authn, mut []string
			for _, h := range r.Authenticators {
				authn = append(authn, h.Handler)
			}
			for _, h := range r.Mutators {
				mut = append(mut, h.Handler)
			}
			fmt.Fprintf(streams.Out, "  authenticators: %s\n  authorizer:     %s\n  mutators:       %s\n", strings.Join(authn, " → "), r.Authorizer.Handler, strings.Join(mut, ", "))
			if r.Upstream != nil {
				fmt.Fprintf(streams.Out, "  upstream:       %s\n", r.Upstream.URL)
			}
		}
	}
	if o.Expect != "" {
		if got := res.Decision(); got != o.Expect {
			return fmt.Errorf("expected %s, got %s (%s)", o.Expect, got, res.Verdict)
		}
		return nil // a deny that was expected is a pass
	}
	if len(res.Matched) != 1 {
		return withCode(fmt.Errorf("%s", res.Verdict), ExitError)
	}
	return nil
}
