package wizard

import (
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
)

// TestFormModelDefaults submits the form untouched: the answers are the
// defaults, shown as placeholders rather than prefilled text.
func TestFormModelDefaults(t *testing.T) {
	v := NewFormValues(Defaults())
	m, f, _ := newModel(t, v)
	if !strings.Contains(f.View(), "step 1 of 5") {
		t.Errorf("no step indicator:\n%s", f.View())
	}
	for i := 0; i < 20 && f.State == huh.StateNormal; i++ {
		m = press(t, m, enter)
	}
	if f.State != huh.StateCompleted || !v.Write {
		t.Fatalf("form state %v (write %v) after enters; view:\n%s", f.State, v.Write, f.View())
	}
	got, err := v.Answers()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Defaults()) {
		t.Fatalf("answers\n%+v\nwant the defaults\n%+v", got, Defaults())
	}
}

// TestFormModelEdits types into each kind of field: inputs, a multi-select,
// a select and a confirm; typing replaces the placeholder, never appends.
func TestFormModelEdits(t *testing.T) {
	v := NewFormValues(Defaults())
	m, f, _ := newModel(t, v)
	m = press(t, m, typed("corp"), enter) // name
	m = press(t, m, enter)                // namespace
	m = press(t, m, typed("corp.example.org"), enter)
	// Components: the cursor is on kratos; move to ui and untoggle it.
	m = press(t, m, down, down, down, typed("x"), enter)
	m = press(t, m, down, enter)             // gateway: none → envoy
	m = press(t, m, down, enter)             // database: sqlite → external
	m = press(t, m, down, typed("x"), enter) // methods: + totp
	m = press(t, m, typed("github=abc123"), enter)
	m = press(t, m, typed("n"))                                     // registration: no
	m = press(t, m, typed("admins=cluster-admin, sre=view"), enter) // role bindings
	m = press(t, m, typed("grafana.corp.example.org=http://grafana.monitoring:3000"), enter)
	if !strings.Contains(f.View(), "step 5 of 5") || !strings.Contains(f.View(), "corp.example.org") {
		t.Fatalf("no summary:\n%s", f.View())
	}
	m = press(t, m, enter) // Write (focus skips the summary note)
	if f.State != huh.StateCompleted {
		t.Fatalf("form state %v; view:\n%s", f.State, f.View())
	}
	got, err := v.Answers()
	if err != nil {
		t.Fatal(err)
	}
	want := Answers{
		Name: "corp", Namespace: "auth", Domain: "corp.example.org",
		Components: []string{"kratos", "hydra", "oathkeeper"},
		Gateway:    "envoy", IngressClass: "nginx", Database: "external",
		Methods:      []string{"password", "totp"},
		Social:       []SocialProvider{{"github", "abc123"}},
		Registration: false,
		RoleBindings: []RoleBinding{{"admins", "cluster-admin"}, {"sre", "view"}},
		Services:     []Service{{"grafana.corp.example.org", "http://grafana.monitoring:3000"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("answers\n%+v\nwant\n%+v", got, want)
	}
	data, err := got.Profile("corp.yaml")
	if err != nil {
		t.Fatalf("the profile of the edited answers is invalid: %v\n%s", err, data)
	}
}

func TestFormModelRejectsBadDomain(t *testing.T) {
	v := NewFormValues(Defaults())
	m, f, _ := newModel(t, v)
	m = press(t, m, enter, enter, typed("not a domain"), enter)
	if !strings.Contains(f.View(), "use a DNS name") {
		t.Fatalf("no validation error shown:\n%s", f.View())
	}
	_ = m
}

// TestFormModelValidatesEachPage: a page cannot be left with answers that
// make an invalid profile; the problem shows on its field, in validate's
// words, and fixing it lets the person go on with every answer kept.
func TestFormModelValidatesEachPage(t *testing.T) {
	v := NewFormValues(Defaults())
	m, f, _ := newModel(t, v)
	m = press(t, m, typed("acme"), enter, enter, enter)
	// Kratos off with the UI on.
	m = press(t, m, typed("x"), enter)
	if view := f.View(); !strings.Contains(view, "the self-service UI needs Kratos") || f.GetFocusedField().GetKey() != FieldComponents {
		t.Fatalf("Kratos off with the UI on was accepted (focus %s):\n%s", f.GetFocusedField().GetKey(), view)
	}
	m = press(t, m, typed("x"), enter) // kratos back on
	if f.GetFocusedField().GetKey() != FieldGateway {
		t.Fatalf("did not move on after the fix; focus %s", f.GetFocusedField().GetKey())
	}
	m = press(t, m, enter, enter, enter, enter, enter, enter) // gateway, database, methods, social, registration, role bindings
	m = press(t, m, typed("app.dev.example.com=notaurl"), enter)
	if view := f.View(); !strings.Contains(view, `spec.services[0].upstream.url: bad URL "notaurl"`) || f.GetFocusedField().GetKey() != FieldServices {
		t.Fatalf("a bad upstream was accepted:\n%s", view)
	}
	m = press(t, m, clear, typed("app.dev.example.com=http://app.default:8080"), enter)
	if !strings.Contains(f.View(), "step 5 of 5") {
		t.Fatalf("no summary after the fix:\n%s", f.View())
	}
	if v.Name != "acme" {
		t.Errorf("the name was lost: %q", v.Name)
	}
}

// TestFormModelEsc: esc goes back a field (answers kept) and, on the first
// field, cancels.
func TestFormModelEsc(t *testing.T) {
	v := NewFormValues(Defaults())
	m, f, cancelled := newModel(t, v)
	esc := tea.KeyMsg{Type: tea.KeyEsc}
	m = press(t, m, typed("acme"), enter, typed("ns1"), enter, enter) // → components
	if f.GetFocusedField().GetKey() != FieldComponents {
		t.Fatalf("focus %s", f.GetFocusedField().GetKey())
	}
	m = press(t, m, esc)
	if f.GetFocusedField().GetKey() != FieldDomain || cancelled() {
		t.Fatalf("esc did not go back: focus %s, cancelled %v", f.GetFocusedField().GetKey(), cancelled())
	}
	m = press(t, m, esc, esc)
	if f.GetFocusedField().GetKey() != FieldName || v.Name != "acme" || v.Namespace != "ns1" {
		t.Fatalf("focus %s, answers %q %q", f.GetFocusedField().GetKey(), v.Name, v.Namespace)
	}
	_, cmd := m.Update(esc)
	if !cancelled() || cmd == nil {
		t.Fatal("esc on the first field did not cancel")
	}
}
