package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
)

// ErrAborted is returned when the person leaves the form (ctrl+c, or esc
// on the first field).
var ErrAborted = errors.New("init cancelled")

// listPlaceholder shows a list field's default, or an example.
func listPlaceholder(def, example string) (placeholder, help string) {
	if def != "" {
		return def, "empty keeps " + def + "; type " + none + " for none"
	}
	return "e.g. " + example, "empty for none"
}

// The answers of the TLS field.
const (
	tlsSecret   = "secret"
	tlsExternal = "external"
)

func tlsChoice(external bool) string {
	if external {
		return tlsExternal
	}
	return tlsSecret
}

func (v *FormValues) needsTLS() bool { return Answers{Gateway: v.Gateway}.NeedsTLS() }

// steps are the titles of the form's pages; the last one is the summary.
var steps = []string{"Basics", "Components", "Login", "Access", "Summary"}

func stepTitle(i int) string {
	return fmt.Sprintf("authctl init · step %d of %d: %s", i+1, len(steps), steps[i])
}

// keyMap adds esc to every "back" binding (esc on the first field cancels:
// see formModel) and leaves ctrl+c to cancel.
func keyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	back := key.NewBinding(key.WithKeys("shift+tab", "esc"), key.WithHelp("esc", "back"))
	km.Input.Prev, km.Select.Prev, km.MultiSelect.Prev, km.Note.Prev, km.Confirm.Prev, km.Text.Prev = back, back, back, back, back, back
	km.Quit = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel"))
	return km
}

// Summary is the summary page's text: every answer, and the file.
func (v *FormValues) Summary() string {
	a, _ := v.answers()
	orNone := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Stack:        %s in namespace %s\n", a.Name, a.Namespace)
	fmt.Fprintf(&b, "Domain:       %s (auth., id. and oauth. hosts)\n", a.Domain)
	fmt.Fprintf(&b, "Components:   %s\n", orNone(strings.Join(a.Components, ", ")))
	fmt.Fprintf(&b, "Gateway:      %s\n", a.Gateway)
	if a.NeedsIngressClass() {
		fmt.Fprintf(&b, "Ingress:      class %s\n", a.IngressClass)
	}
	if a.NeedsTLS() {
		if a.ExternalTLS {
			fmt.Fprintf(&b, "TLS:          terminated in front of the gateway\n")
		} else {
			fmt.Fprintf(&b, "TLS:          Secret %s (create it before the first apply)\n", a.TLSSecretName())
		}
	}
	fmt.Fprintf(&b, "Database:     %s\n", a.Database)
	fmt.Fprintf(&b, "Login:        %s\n", orNone(strings.Join(a.Methods, ", ")))
	fmt.Fprintf(&b, "Social:       %s\n", orNone(FormatSocial(a.Social)))
	fmt.Fprintf(&b, "Registration: %v\n", a.Registration)
	fmt.Fprintf(&b, "Role binding: %s\n", orNone(FormatRoleBindings(a.RoleBindings)))
	fmt.Fprintf(&b, "Services:     %s\n", orNone(FormatServices(a.Services)))
	fmt.Fprintf(&b, "\nFile:         %s", v.file)
	if v.exists {
		b.WriteString(" (it exists: writing replaces it)")
	}
	return b.String()
}

// NewForm builds the form over v. Each field is validated as it is left,
// with the validation `authctl validate` runs, so a page can only be left
// with answers that make a valid profile; the last page is a summary.
func NewForm(v *FormValues) *huh.Form {
	d := v.defaults
	// ph marks a default in words when there is no colour to grey it.
	ph := func(s string) string {
		if v.plain && s != "" && !strings.HasPrefix(s, "e.g. ") {
			return "(default) " + s
		}
		return s
	}
	socialPH, socialHelp := listPlaceholder(FormatSocial(d.Social), "google=1234.apps.googleusercontent.com")
	rbPH, rbHelp := listPlaceholder(FormatRoleBindings(d.RoleBindings), "admins=cluster-admin")
	// The example follows the domain typed on the first page.
	svcPlaceholder := func() string {
		ph, _ := listPlaceholder(FormatServices(d.Services), "grafana."+text(v.Domain, text(d.Domain, "example.com"))+"=http://grafana.monitoring:3000")
		return ph
	}
	_, svcHelp := listPlaceholder(FormatServices(d.Services), "")
	str := func(field string, set func(*FormValues, string)) func(string) error {
		return func(s string) error { return v.check(field, func(c *FormValues) { set(c, s) }) }
	}
	strs := func(field string, set func(*FormValues, []string)) func([]string) error {
		return func(s []string) error { return v.check(field, func(c *FormValues) { set(c, s) }) }
	}
	// both runs a syntax check, then the profile validation of the field.
	both := func(syntax func(string) error, field func(string) error) func(string) error {
		return func(s string) error {
			if v.back {
				return nil
			}
			if err := syntax(s); err != nil {
				return err
			}
			return field(s)
		}
	}
	return huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Key(FieldName).Title("Stack name").Description("Prefix of every object name").Placeholder(ph(d.Name)).Value(&v.Name).
				Validate(both(validLabel, str(FieldName, func(c *FormValues, s string) { c.Name = s }))),
			huh.NewInput().Key(FieldNamespace).Title("Namespace").Placeholder(ph(d.Namespace)).Value(&v.Namespace).
				Validate(both(validLabel, str(FieldNamespace, func(c *FormValues, s string) { c.Namespace = s }))),
			huh.NewInput().Key(FieldDomain).Title("Base domain").Description("auth., id. and oauth. hosts derive from it").Placeholder(ph(d.Domain)).Value(&v.Domain).
				Validate(both(validDomain, str(FieldDomain, func(c *FormValues, s string) { c.Domain = s }))),
		).Title(stepTitle(0)).Description("Answers become a commented profile; change it later in any editor.\nEmpty fields take the grey default. esc goes back (cancels on the first field)."),
		huh.NewGroup(
			huh.NewMultiSelect[string]().Key(FieldComponents).Title("Components").Options(huh.NewOptions(ComponentChoices...)...).Value(&v.Components).
				Validate(strs(FieldComponents, func(c *FormValues, s []string) { c.Components = s })),
			huh.NewSelect[string]().Key(FieldGateway).Title("Gateway target").Description("How requests reach Oathkeeper").Options(huh.NewOptions(GatewayChoices()...)...).Value(&v.Gateway).
				Validate(str(FieldGateway, func(c *FormValues, s string) { c.Gateway = s })),
			huh.NewSelect[string]().Key(FieldDatabase).Title("Database").Description("sqlite: one-replica trial; external: Postgres DSNs from Secrets").Options(huh.NewOptions(DatabaseChoices...)...).Value(&v.Database).
				Validate(str(FieldDatabase, func(c *FormValues, s string) { c.Database = s })),
		).Title(stepTitle(1)),
		// The gateway's details, on pages of their own shown only for the
		// targets that need them (still step 2).
		huh.NewGroup(
			huh.NewInput().Key(FieldIngressClass).Title("Ingress class").Description("The IngressClass of your ingress controller (kubectl get ingressclass)").Placeholder(ph(d.IngressClass)).Value(&v.IngressClass).
				Validate(str(FieldIngressClass, func(c *FormValues, s string) { c.IngressClass = s })),
		).Title(stepTitle(1)).WithHideFunc(func() bool { return !(Answers{Gateway: v.Gateway}).NeedsIngressClass() }),
		huh.NewGroup(
			huh.NewSelect[string]().Key(FieldTLS).Title("TLS certificate").Description("The gateway serves https for the public hosts").
				Options(huh.NewOption("from a Secret in the namespace (kubectl create secret tls)", tlsSecret), huh.NewOption("terminated in front (a load balancer)", tlsExternal)).Value(&v.TLS),
		).Title(stepTitle(1)).WithHideFunc(func() bool { return !v.needsTLS() }),
		huh.NewGroup(
			huh.NewInput().Key(FieldTLSSecret).Title("TLS Secret name").DescriptionFunc(func() string {
				return "Create it before the first apply: kubectl -n " + text(v.Namespace, d.Namespace) + " create secret tls NAME --cert=tls.crt --key=tls.key"
			}, &v.Namespace).PlaceholderFunc(func() string { return ph(text(v.Name, d.Name) + "-tls") }, &v.Name).Value(&v.TLSSecret).
				Validate(str(FieldTLSSecret, func(c *FormValues, s string) { c.TLSSecret = s })),
		).Title(stepTitle(1)).WithHideFunc(func() bool { return !v.needsTLS() || v.TLS == tlsExternal }),
		huh.NewGroup(
			huh.NewMultiSelect[string]().Key(FieldMethods).Title("Login methods").Options(huh.NewOptions(MethodChoices...)...).Value(&v.Methods).
				Validate(strs(FieldMethods, func(c *FormValues, s []string) { c.Methods = s })),
			huh.NewInput().Key(FieldSocial).Title("Social sign-in").Description("provider=clientID, … (google, github, gitlab, microsoft); "+socialHelp).Placeholder(ph(socialPH)).Value(&v.Social).
				Validate(str(FieldSocial, func(c *FormValues, s string) { c.Social = s })),
			huh.NewConfirm().Key(FieldRegistration).Title("Allow self-service registration?").Value(&v.Registration),
		).Title(stepTitle(2)),
		huh.NewGroup(
			huh.NewInput().Key(FieldRoleBindings).Title("Groups → cluster roles").Description("group=ClusterRole, … for kubectl login; "+rbHelp).Placeholder(ph(rbPH)).Value(&v.RoleBindings).
				Validate(str(FieldRoleBindings, func(c *FormValues, s string) { c.RoleBindings = s })),
			huh.NewInput().Key(FieldServices).Title("Services to protect").Description("host=upstreamURL, …; "+svcHelp).PlaceholderFunc(func() string { return ph(svcPlaceholder()) }, &v.Domain).Value(&v.Services).
				Validate(str(FieldServices, func(c *FormValues, s string) { c.Services = s })),
		).Title(stepTitle(3)),
		huh.NewGroup(
			huh.NewNote().Title("Your answers").DescriptionFunc(v.Summary, v),
			v.writeConfirm(),
		).Title(stepTitle(4)),
	).WithShowHelp(true).WithKeyMap(keyMap())
}

// writeConfirm is the summary's question: write the file (or overwrite
// it, when it exists), or go back.
func (v *FormValues) writeConfirm() *huh.Confirm {
	if v.exists {
		return huh.NewConfirm().Title(v.file + " exists. Overwrite it?").Affirmative("Overwrite").Negative("Go back").Value(&v.Write)
	}
	return huh.NewConfirm().Title("Write " + v.file + "?").Affirmative("Write").Negative("Go back").Value(&v.Write)
}

// formModel wraps the form: esc on the very first field cancels, since
// there is nothing to go back to.
type formModel struct {
	form      *huh.Form
	values    *FormValues
	cancelled bool
}

func (m *formModel) Init() tea.Cmd { return m.form.Init() }

func (m *formModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		// Until the next key, fields left are left going back.
		m.values.back = k.Type == tea.KeyEsc || k.Type == tea.KeyShiftTab
	}
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyEsc {
		if f := m.form.GetFocusedField(); f != nil && f.GetKey() == FieldName {
			m.cancelled = true
			return m, tea.Quit
		}
	}
	f, cmd := m.form.Update(msg)
	m.form = f.(*huh.Form)
	return m, cmd
}

// View draws nothing once the person cancelled, so the form does not stay
// on the terminal above the shell prompt.
func (m *formModel) View() string {
	if m.cancelled || m.form.State == huh.StateAborted {
		return ""
	}
	return m.form.View()
}

// NewModel is the bubbletea model `authctl init` runs: the form, plus esc
// to cancel on the first field. Cancelled reports that.
func NewModel(v *FormValues) (tea.Model, func() bool) {
	m := &formModel{form: NewForm(v), values: v}
	m.form.SubmitCmd = tea.Quit
	m.form.CancelCmd = tea.Quit
	return m, func() bool { return m.cancelled || m.form.State == huh.StateAborted }
}

// Run shows the form on out (stderr, so stdout stays pipeable), reading keys
// from in, and returns the answers once the person chose to write them on
// the summary page. "Go back" there starts again with every answer kept.
//
// exists says that file exists already: the summary then asks to overwrite
// it, and choosing to is the person's consent to replace it.
func Run(ctx context.Context, in io.Reader, out io.Writer, start Answers, file string, exists bool) (Answers, error) {
	v := NewFormValues(start).ForFile(file)
	v.exists = exists
	v.plain = os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb"
	for {
		v.Write = true
		m, cancelled := NewModel(v)
		if _, err := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithContext(ctx)).Run(); err != nil {
			if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) || ctx.Err() != nil {
				return Answers{}, ErrAborted
			}
			return Answers{}, err
		}
		if cancelled() {
			return Answers{}, ErrAborted
		}
		if v.Write {
			return v.Answers()
		}
	}
}
