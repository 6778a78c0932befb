package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/charmbracelet/huh"
)

// ErrAborted is returned when the person leaves the form (ctrl+c or esc).
var ErrAborted = errors.New("init aborted")

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsName  = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$`)
)

// FormValues are the fields the form edits. Lists of pairs are text, in the
// same syntax as the flags, so one parser serves both.
type FormValues struct {
	Name, Namespace, Domain string
	Components              []string
	Gateway, Database       string
	Methods                 []string
	Social                  string
	Registration            bool
	RoleBindings, Services  string
}

// NewFormValues prefills the form from answers (the defaults merged with flags).
func NewFormValues(a Answers) *FormValues {
	return &FormValues{
		Name: a.Name, Namespace: a.Namespace, Domain: a.Domain,
		Components: append([]string(nil), a.Components...),
		Gateway:    a.Gateway, Database: a.Database,
		Methods:      append([]string(nil), a.Methods...),
		Social:       FormatSocial(a.Social),
		Registration: a.Registration,
		RoleBindings: FormatRoleBindings(a.RoleBindings),
		Services:     FormatServices(a.Services),
	}
}

// Answers parses the form values.
func (v *FormValues) Answers() (Answers, error) {
	a := Answers{
		Name: v.Name, Namespace: v.Namespace, Domain: v.Domain,
		Components: v.Components, Gateway: v.Gateway, Database: v.Database,
		Methods: v.Methods, Registration: v.Registration,
	}
	var err error
	if a.Social, err = ParseSocial(v.Social); err != nil {
		return a, err
	}
	if a.RoleBindings, err = ParseRoleBindings(v.RoleBindings); err != nil {
		return a, err
	}
	if a.Services, err = ParseServices(v.Services); err != nil {
		return a, err
	}
	return a, a.Check()
}

func validLabel(s string) error {
	if !dnsLabel.MatchString(s) {
		return fmt.Errorf("use lower-case letters, digits and '-'")
	}
	return nil
}

func validDomain(s string) error {
	if !dnsName.MatchString(s) {
		return fmt.Errorf("use a DNS name such as example.com")
	}
	return nil
}

func validParse[T any](parse func(string) (T, error)) func(string) error {
	return func(s string) error { _, err := parse(s); return err }
}

// NewForm builds the form over v. It is the bubbletea model that `authctl
// init` runs on a terminal; tests drive it with key messages.
func NewForm(v *FormValues) *huh.Form {
	return huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Title("Stack name").Description("Prefix of every object name").Value(&v.Name).Validate(validLabel),
			huh.NewInput().Title("Namespace").Value(&v.Namespace).Validate(validLabel),
			huh.NewInput().Title("Base domain").Description("auth., id. and oauth. hosts derive from it").Value(&v.Domain).Validate(validDomain),
		).Title("authctl init").Description("Answers become a commented profile; change it later in any editor."),
		huh.NewGroup(
			huh.NewMultiSelect[string]().Title("Components").Options(huh.NewOptions(ComponentChoices...)...).Value(&v.Components),
			huh.NewSelect[string]().Title("Gateway target").Description("How requests reach Oathkeeper").Options(huh.NewOptions(GatewayChoices...)...).Value(&v.Gateway),
			huh.NewSelect[string]().Title("Database").Description("sqlite: one-replica trial; external: Postgres DSNs from Secrets").Options(huh.NewOptions(DatabaseChoices...)...).Value(&v.Database),
		),
		huh.NewGroup(
			huh.NewMultiSelect[string]().Title("Login methods").Options(huh.NewOptions(MethodChoices...)...).Value(&v.Methods),
			huh.NewInput().Title("Social sign-in").Description("provider=clientID, … (google, github, gitlab, microsoft); empty for none").Value(&v.Social).Validate(validParse(ParseSocial)),
			huh.NewConfirm().Title("Allow self-service registration?").Value(&v.Registration),
		),
		huh.NewGroup(
			huh.NewInput().Title("Groups → cluster roles").Description("group=ClusterRole, … for kubectl login").Value(&v.RoleBindings).Validate(validParse(ParseRoleBindings)),
			huh.NewInput().Title("Services to protect").Description("host=upstreamURL, … ; empty for none").Value(&v.Services).Validate(validParse(ParseServices)),
		),
	).WithShowHelp(true)
}

// Run shows the form on out (stderr, so stdout stays pipeable), reading keys
// from in, and returns the answers.
func Run(ctx context.Context, in io.Reader, out io.Writer, start Answers) (Answers, error) {
	v := NewFormValues(start)
	err := NewForm(v).WithInput(in).WithOutput(out).RunWithContext(ctx)
	if errors.Is(err, huh.ErrUserAborted) {
		return Answers{}, ErrAborted
	}
	if err != nil {
		return Answers{}, err
	}
	return v.Answers()
}
