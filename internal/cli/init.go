package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/wizard"
)

// InitOptions are the flags of `authctl init`.
type InitOptions struct {
	File     string
	Force    bool
	Defaults bool

	Name, Namespace, Domain string
	Components              []string
	Gateway, Database       string
	IngressClass, TLSSecret string
	ExternalTLS             bool
	Methods                 []string
	Social                  []string
	Registration            bool
	RoleBindings            []string
	Services                []string

	// Changed lists the choice flags given on the command line.
	Changed map[string]bool
	// Interactive is true when stdin and stderr are terminals.
	Interactive bool
}

// initRequired are the choices that have no default worth guessing.
var initRequired = []string{"name", "domain"}

// Validate checks flag combinations. Without a terminal and without
// --defaults, it names every required flag that is missing.
func (o *InitOptions) Validate() error {
	if o.File == "" {
		return flagErrorf("-f/--filename must not be empty")
	}
	if o.Defaults || o.Interactive {
		return nil
	}
	var missing []string
	for _, f := range initRequired {
		if !o.Changed[f] {
			missing = append(missing, "--"+f)
		}
	}
	if len(missing) > 0 {
		return flagErrorf("no terminal to prompt on: missing %s (or use --defaults)", strings.Join(missing, ", "))
	}
	return nil
}

// Answers merges the flags that were given over the defaults.
func (o *InitOptions) Answers() (wizard.Answers, error) {
	a := wizard.Defaults()
	set := func(flag string, apply func()) {
		if o.Changed[flag] {
			apply()
		}
	}
	set("name", func() { a.Name = o.Name })
	set("namespace", func() { a.Namespace = o.Namespace })
	set("domain", func() { a.Domain = o.Domain })
	set("components", func() { a.Components = o.Components })
	set("gateway", func() { a.Gateway = o.Gateway })
	set("ingress-class", func() { a.IngressClass = o.IngressClass })
	set("tls-secret", func() { a.TLSSecret = o.TLSSecret })
	set("external-tls", func() { a.ExternalTLS = o.ExternalTLS })
	set("database", func() { a.Database = o.Database })
	set("methods", func() { a.Methods = o.Methods })
	set("registration", func() { a.Registration = o.Registration })
	var err error
	if o.Changed["social"] {
		if a.Social, err = wizard.ParseSocial(strings.Join(o.Social, ",")); err != nil {
			return a, flagErrorf("--social: %v", err)
		}
	}
	if o.Changed["role-binding"] {
		if a.RoleBindings, err = wizard.ParseRoleBindings(strings.Join(o.RoleBindings, ",")); err != nil {
			return a, flagErrorf("--role-binding: %v", err)
		}
	}
	if o.Changed["service"] {
		if a.Services, err = wizard.ParseServices(strings.Join(o.Services, ",")); err != nil {
			return a, flagErrorf("--service: %v", err)
		}
		if !o.Changed["gateway"] && len(a.Services) > 0 {
			a.Gateway = "envoy" // services need a gateway in front of Oathkeeper
		}
	}
	if err := a.Check(); err != nil {
		return a, &flagError{err: err}
	}
	return a, nil
}

func newInitCommand(streams IOStreams, runF func(*InitOptions) error) *cobra.Command {
	o := &InitOptions{}
	cmd := &cobra.Command{
		Use:   "init [-f profile.yaml] [--defaults | flags]",
		Short: "Write a first profile, with a guided form on a terminal",
		Long: `Init writes a commented profile. On a terminal it shows a form (on stderr)
in five steps: the base domain, components, gateway (with its ingress class
and TLS certificate where the target needs them), database, login
methods, registration, the groups that map to cluster roles, the services to
protect, and a summary. Empty fields take the default shown in grey; flags
set those defaults. Each field is checked as it is left, with the rules of
'authctl validate', so a mistake is shown on its field with every answer
kept. Esc goes back one field and cancels on the first (exit code 2); the
summary writes the file or goes back.

With --defaults, or without a terminal, it never prompts: --defaults writes
a sensible trial profile, and otherwise --name and --domain are required;
answers that would make an invalid profile are reported by flag.

Missing folders are created and the write is atomic. An existing file is
checked before the first question: without a form it is kept unless --force
is given; in the form, the summary asks whether to overwrite it.`,
		Example: `  authctl init
  authctl init --defaults
  authctl init --defaults --gateway ingress --ingress-class nginx --tls-secret dev-tls
  authctl init -f prod.yaml --name prod --domain example.com --database external \
    --methods password,totp --social google=1234.apps.googleusercontent.com \
    --role-binding sre=cluster-admin --service grafana.example.com=http://grafana.monitoring:3000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Changed = map[string]bool{}
			cmd.Flags().Visit(func(f *pflag.Flag) { o.Changed[f.Name] = true })
			o.Interactive = streams.CanPrompt()
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runInit(cmd, streams, o)
		},
	}
	d := wizard.Defaults()
	f := cmd.Flags()
	f.StringVarP(&o.File, "filename", "f", "profile.yaml", "profile file to write")
	f.BoolVar(&o.Force, "force", false, "overwrite an existing file")
	f.BoolVar(&o.Defaults, "defaults", false, "write the default choices without prompting")
	f.StringVar(&o.Name, "name", d.Name, "stack name, the prefix of every object")
	f.StringVar(&o.Namespace, "namespace", d.Namespace, "Kubernetes namespace")
	f.StringVar(&o.Domain, "domain", d.Domain, "public base domain")
	f.StringSliceVar(&o.Components, "components", d.Components, "components to render: "+strings.Join(wizard.ComponentChoices, ", "))
	f.StringVar(&o.Gateway, "gateway", d.Gateway, "gateway target: "+strings.Join(wizard.GatewayChoices(), ", "))
	f.StringVar(&o.IngressClass, "ingress-class", d.IngressClass, "IngressClass of the ingress target")
	f.StringVar(&o.TLSSecret, "tls-secret", "", "Secret with the public hosts' certificate, for the ingress and envoy-gateway targets (default NAME-tls)")
	f.BoolVar(&o.ExternalTLS, "external-tls", false, "a load balancer in front of the ingress or envoy-gateway target terminates TLS (no certificate Secret)")
	f.StringVar(&o.Database, "database", d.Database, "database mode: "+strings.Join(wizard.DatabaseChoices, ", "))
	f.StringSliceVar(&o.Methods, "methods", d.Methods, "login methods: "+strings.Join(wizard.MethodChoices, ", "))
	f.StringArrayVar(&o.Social, "social", nil, "social sign-in PROVIDER=CLIENT_ID (repeatable; "+strings.Join(wizard.SocialChoices, ", ")+")")
	f.BoolVar(&o.Registration, "registration", d.Registration, "allow self-service registration")
	f.StringArrayVar(&o.RoleBindings, "role-binding", []string{wizard.FormatRoleBindings(d.RoleBindings)}, "GROUP=CLUSTERROLE for kubectl login (repeatable)")
	f.StringArrayVar(&o.Services, "service", nil, "HOST=UPSTREAM_URL to protect with a login (repeatable)")
	for flag, values := range map[string][]string{
		"gateway": wizard.GatewayChoices(), "database": wizard.DatabaseChoices,
		"components": wizard.ComponentChoices, "methods": wizard.MethodChoices,
	} {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	return cmd
}

// initFlagOf names the flag behind each form field.
var initFlagOf = map[string]string{
	wizard.FieldName: "--name", wizard.FieldNamespace: "--namespace", wizard.FieldDomain: "--domain",
	wizard.FieldComponents: "--components", wizard.FieldGateway: "--gateway", wizard.FieldDatabase: "--database",
	wizard.FieldIngressClass: "--ingress-class", wizard.FieldTLS: "--external-tls", wizard.FieldTLSSecret: "--tls-secret",
	wizard.FieldMethods: "--methods", wizard.FieldSocial: "--social", wizard.FieldRegistration: "--registration",
	wizard.FieldRoleBindings: "--role-binding", wizard.FieldServices: "--service",
}

// invalidAnswers reports answers that make an invalid profile by the flag
// that set them: the file was never written, so its line and column would
// point nowhere.
func invalidAnswers(a wizard.Answers, file string, err error) error {
	problems := wizard.NewFormValues(a).ForFile(file).Problems()
	if len(problems) == 0 {
		return fmt.Errorf("the profile would be invalid: %w", err)
	}
	var lines []string
	for _, field := range slices.Sorted(maps.Keys(problems)) {
		prefix := ""
		if f := initFlagOf[field]; f != "" {
			prefix = f + ": "
		}
		lines = append(lines, prefix+problems[field].Error())
	}
	return &flagError{err: fmt.Errorf("the answers would make an invalid profile, nothing was written:\n  %s", strings.Join(lines, "\n  "))}
}

func runInit(cmd *cobra.Command, streams IOStreams, o *InitOptions) error {
	a, err := o.Answers()
	if err != nil {
		return err
	}
	// The file is checked before the first question: without a form
	// nothing is asked, and the form's summary offers to overwrite it.
	_, statErr := os.Lstat(o.File)
	exists := statErr == nil
	interactive := !o.Defaults && o.Interactive
	if exists && !o.Force && !interactive {
		return withHint(fmt.Errorf("could not write %s: %w", o.File, wizard.ErrExists), "authctl init --force -f "+o.File+" (or choose another file with -f)")
	}
	force := o.Force
	if interactive {
		a, err = wizard.Run(cmd.Context(), streams.In, streams.ErrOut, a, o.File, exists)
		if errors.Is(err, wizard.ErrAborted) {
			// Esc and ctrl+c end alike: "cancelled", exit 2.
			return fmt.Errorf("%w: %w", err, context.Canceled)
		}
		if err != nil {
			return err
		}
		force = force || exists // "Overwrite" on the summary
	}
	data, err := a.Profile(o.File)
	if err != nil {
		return invalidAnswers(a, o.File, err)
	}
	if err := wizard.WriteFile(o.File, data, force); err != nil {
		if errors.Is(err, wizard.ErrExists) {
			return withHint(err, "authctl init --force -f "+o.File+" (or choose another file with -f)")
		}
		return err
	}
	fmt.Fprintf(streams.ErrOut, "wrote %s\nnext: authctl secrets generate -f %s && authctl render -f %s\n", o.File, o.File, o.File)
	// The file was just made from valid answers; should it not load, the
	// next command says why.
	if p, err := profile.Load(o.File); err == nil {
		printSecretsToCreate(streams.ErrOut, p)
	}
	return nil
}
