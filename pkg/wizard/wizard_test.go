package wizard

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/authctl/authctl/pkg/profile"
)

// pump runs the commands a model returns and feeds their messages back, the
// way a tea.Program would, skipping timers (cursor blink) that do not finish
// at once.
func pump(t *testing.T, m tea.Model, cmd tea.Cmd, depth int) tea.Model {
	t.Helper()
	if cmd == nil || depth > 8 {
		return m
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(20 * time.Millisecond):
		return m
	}
	switch msg := msg.(type) {
	case nil:
		return m
	case tea.BatchMsg:
		for _, c := range msg {
			m = pump(t, m, c, depth+1)
		}
		return m
	}
	// tea.Sequence's message is an unexported []tea.Cmd.
	if rv := reflect.ValueOf(msg); rv.Kind() == reflect.Slice && rv.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := 0; i < rv.Len(); i++ {
			m = pump(t, m, rv.Index(i).Interface().(tea.Cmd), depth+1)
		}
		return m
	}
	m, cmd = m.Update(msg)
	return pump(t, m, cmd, depth+1)
}

func press(t *testing.T, m tea.Model, msgs ...tea.Msg) tea.Model {
	t.Helper()
	for _, msg := range msgs {
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		m = pump(t, m, cmd, 0)
	}
	return m
}

func typed(s string) tea.Msg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	enter = tea.KeyMsg{Type: tea.KeyEnter}
	clear = tea.KeyMsg{Type: tea.KeyCtrlU}
	space = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	down  = tea.KeyMsg{Type: tea.KeyDown}
)

// newModel starts the form model (form plus esc handling) over v.
func newModel(t *testing.T, v *FormValues) (tea.Model, *huh.Form, func() bool) {
	t.Helper()
	m, cancelled := NewModel(v)
	return pump(t, m, m.Init(), 0), m.(*formModel).form, cancelled
}

func TestProfileFromAnswers(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(*Answers)
		want    []string
		wantErr string
	}{
		{name: "defaults", edit: func(*Answers) {}, want: []string{"# yaml-language-server: $schema=" + SchemaURL, "mode: sqlite", "methods: [password]", "clusterRole: cluster-admin"}},
		{name: "external", edit: func(a *Answers) { a.Database = "external" }, want: []string{"mode: external", "name: dev-kratos-dsn"}},
		{name: "social", edit: func(a *Answers) { a.Social = []SocialProvider{{"google", "123-x.apps.googleusercontent.com"}} }, want: []string{"provider: google", "name: dev-google-oauth"}},
		{name: "service", edit: func(a *Answers) {
			a.Gateway = "envoy"
			a.Services = []Service{{"grafana.dev.example.com", "http://grafana.monitoring:3000"}}
		}, want: []string{"- name: grafana", "allow: [session]"}},
		{name: "bad gateway", edit: func(a *Answers) { a.Gateway = "nginx" }, wantErr: `unknown gateway "nginx"`},
		{name: "bad domain", edit: func(a *Answers) { a.Domain = "localhost" }, wantErr: "invalid domain"},
		{name: "ui without kratos", edit: func(a *Answers) { a.Components = []string{"hydra", "ui"} }, wantErr: "the self-service UI needs Kratos"},
		{name: "service outside domain", edit: func(a *Answers) { a.Services = []Service{{"grafana.other.org", "http://g:3000"}} }, wantErr: "outside the cookie domain"},
		{name: "quoted", edit: func(a *Answers) { a.RoleBindings = []RoleBinding{{"yes", "view"}} }, want: []string{`group: "yes"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Defaults()
			tc.edit(&a)
			data, err := a.Profile("/tmp/p.yaml")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(data), w) {
					t.Errorf("profile lacks %q:\n%s", w, data)
				}
			}
			if _, err := profile.Parse("p.yaml", ".", data); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteFileRefusesOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := WriteFile(path, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), false); !errors.Is(err, ErrExists) {
		t.Fatalf("want ErrExists, got %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("file changed to %q", b)
	}
	if err := WriteFile(path, []byte("three"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "three" {
		t.Fatalf("file is %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}
