package wizard_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// wizardTmux is one tmux server on its own socket, so the test never
// touches a tmux the developer is running.
type wizardTmux struct {
	t      *testing.T
	socket string
}

func (w wizardTmux) run(args ...string) string {
	w.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", w.socket}, args...)...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (w wizardTmux) pane() string { return w.run("capture-pane", "-p", "-t", "wizard") }

// waitFor polls the pane until it shows text.
func (w wizardTmux) waitFor(text string) {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(w.pane(), text) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.t.Fatalf("the terminal never showed %q:\n%s", text, w.pane())
}

// keys sends tmux key names, pausing after each so the form's own focus
// changes (delivered as bubbletea commands) settle first.
func (w wizardTmux) keys(keys ...string) {
	w.t.Helper()
	for _, k := range keys {
		w.run("send-keys", "-t", "wizard", k)
		time.Sleep(150 * time.Millisecond)
	}
}

// TestWizardInTmux drives `authctl init` in a real terminal: the form draws
// on the terminal, takes keys, and the file it writes is a valid profile
// with the answers given.
func TestWizardInTmux(t *testing.T) {
	stack.Require(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not on PATH (install tmux, or AUTHCTL_E2E=skip)")
	}
	bin := e2e.Authctl(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "acme.yaml")
	w := wizardTmux{t: t, socket: fmt.Sprintf("authctl-wizard-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", w.socket, "kill-server").Run() })
	// stdout goes to a file: the form must draw on stderr only.
	script := fmt.Sprintf("cd %s && %s init -f %s >stdout.txt; echo EXIT=$?; sleep 600", dir, bin, file)
	w.run("new-session", "-d", "-s", "wizard", "-x", "110", "-y", "45", "sh", "-c", script)

	w.waitFor("Stack name")
	w.keys("C-u", "acme", "Enter", "Enter", "C-u", "acme.example.org", "Enter")
	w.waitFor("Components")
	w.keys("Enter", "Down", "Enter", "Enter") // every component; gateway envoy; sqlite
	w.waitFor("Login methods")
	w.keys("Down", "x", "Enter", "Enter", "n") // + totp; no social; no registration
	w.waitFor("Groups")
	// "n" answers the question and moves on to the next field, not past it.
	if pane := w.pane(); !strings.Contains(pane, "┃ Groups") {
		t.Fatalf("after n on a yes/no field the focus is not on the next field:\n%s", pane)
	}
	w.keys("Enter", "grafana.acme.example.org=http://grafana.monitoring:3000", "Enter")
	w.waitFor("step 5 of 5")
	w.keys("Enter") // Write, on the summary
	w.waitFor("EXIT=")
	if pane := w.pane(); !strings.Contains(pane, "EXIT=0") || !strings.Contains(pane, "wrote "+file) {
		t.Fatalf("init did not succeed:\n%s", pane)
	}
	if out, _ := os.ReadFile(filepath.Join(dir, "stdout.txt")); len(out) != 0 {
		t.Errorf("init wrote to stdout: %q", out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=https://authctl.dev/schemas/profile-v1alpha1.json\n") {
		t.Errorf("no schema header:\n%s", data)
	}
	p, err := profile.Load(file)
	if err != nil {
		t.Fatalf("the written profile is invalid: %v\n%s", err, data)
	}
	s := p.Spec
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", p.Metadata.Name, "acme"},
		{"domain", s.Domain, "acme.example.org"},
		{"gateway", s.Gateway.Target, "envoy"},
		{"database", s.Database.Mode, "sqlite"},
		{"methods", strings.Join(s.Kratos.Methods, ","), "password,totp"},
		{"registration", profile.On(s.Kratos.Registration), false},
		{"role bindings", fmt.Sprint(s.Kubernetes.RoleBindings), "[{admins cluster-admin}]"},
		{"services", len(s.Services), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	if len(s.Services) == 1 && (s.Services[0].Hosts[0] != "grafana.acme.example.org" || s.Services[0].Upstream.URL != "http://grafana.monitoring:3000") {
		t.Errorf("service: %+v", s.Services[0])
	}
}

// TestWizardGuidesInTmux makes the mistakes people make, in a real
// terminal: typing over a default, Kratos off with the UI on, a bad
// upstream URL, esc to go back, "Go back" on the summary. Nothing is lost,
// the problems show on their fields, and the profile lands in a folder
// that did not exist.
func TestWizardGuidesInTmux(t *testing.T) {
	stack.Require(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not on PATH (install tmux, or AUTHCTL_E2E=skip)")
	}
	bin := e2e.Authctl(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "envs", "prod", "profile.yaml")
	w := wizardTmux{t: t, socket: fmt.Sprintf("authctl-wizard-guide-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", w.socket, "kill-server").Run() })
	script := fmt.Sprintf("cd %s && %s init -f %s >stdout.txt; echo EXIT=$?; sleep 600", dir, bin, file)
	w.run("new-session", "-d", "-s", "wizard", "-x", "110", "-y", "50", "sh", "-c", script)

	w.waitFor("step 1 of 5")
	// The default is a placeholder: typing replaces it (no "devacme").
	w.keys("acme", "Enter", "Enter", "Escape") // esc: back from domain to namespace
	w.keys("prod", "Enter", "Enter")
	w.waitFor("step 2 of 5")
	w.keys("x", "Enter") // kratos off, the UI still on
	w.waitFor("the self-service UI needs Kratos")
	if !strings.Contains(w.pane(), "step 2 of 5") {
		t.Fatalf("left the page with an invalid answer:\n%s", w.pane())
	}
	w.keys("x", "Enter", "Enter", "Enter") // kratos on again; gateway none; sqlite
	w.waitFor("step 3 of 5")
	w.keys("Enter", "Enter", "Enter") // password; no social; registration
	w.waitFor("step 4 of 5")
	w.keys("Enter", "app.dev.example.com=notaurl", "Enter")
	w.waitFor(`bad URL "notaurl"`)
	// Going back to the field before: the error does not stay on screen.
	w.keys("Escape")
	if pane := w.pane(); strings.Contains(pane, `bad URL "notaurl"`) || !strings.Contains(pane, "┃ Groups") {
		t.Fatalf("after esc the services error is still shown (or the focus is elsewhere):\n%s", pane)
	}
	w.keys("Enter") // forward again, onto the services field
	w.keys("C-u", "app.dev.example.com=http://app.default:8080", "Enter")
	w.waitFor("step 5 of 5")
	pane := w.pane()
	for _, want := range []string{"acme in namespace prod", "app.dev.example.com=http://app.default:8080", file} {
		if !strings.Contains(pane, want) {
			t.Errorf("the summary lacks %q:\n%s", want, pane)
		}
	}
	// "Go back": the form starts again with every answer kept.
	w.keys("Left", "Enter")
	w.waitFor("step 1 of 5")
	if pane := w.pane(); !strings.Contains(pane, "acme") {
		t.Fatalf("the answers were lost on going back:\n%s", pane)
	}
	for i := 0; i < 11; i++ {
		w.keys("Enter")
	}
	w.waitFor("step 5 of 5")
	w.keys("Enter")
	w.waitFor("EXIT=")
	if pane := w.pane(); !strings.Contains(pane, "EXIT=0") || !strings.Contains(pane, "wrote "+file) {
		t.Fatalf("init did not succeed:\n%s", pane)
	}
	p, err := profile.Load(file)
	if err != nil {
		t.Fatalf("the written profile is invalid: %v", err)
	}
	if p.Metadata.Name != "acme" || p.Metadata.Namespace != "prod" || len(p.Spec.Services) != 1 || p.Spec.Services[0].Upstream.URL != "http://app.default:8080" {
		t.Errorf("profile %+v %+v", p.Metadata, p.Spec.Services)
	}

	// esc on the first field cancels: exit 2, nothing written.
	other := filepath.Join(dir, "other.yaml")
	w.run("kill-session", "-t", "wizard")
	script = fmt.Sprintf("cd %s && %s init -f %s; echo EXIT=$?; sleep 600", dir, bin, other)
	w.run("new-session", "-d", "-s", "wizard", "-x", "110", "-y", "50", "sh", "-c", script)
	w.waitFor("step 1 of 5")
	w.keys("Escape")
	w.waitFor("EXIT=")
	if pane := w.pane(); !strings.Contains(pane, "EXIT=2") || !strings.Contains(pane, "cancelled") {
		t.Fatalf("esc did not cancel:\n%s", pane)
	}
	// As ctrl+c: "cancelled" alone, and no form left drawn above it.
	if pane := w.pane(); strings.Contains(pane, "error: init cancelled") || strings.Contains(pane, "Stack name") {
		t.Errorf("esc left the form or an error on the terminal:\n%s", pane)
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a cancelled init wrote a file")
	}
}

// TestWizardDefaultsThenRender is the fresh-clone path: init --defaults,
// secrets generate, render, all with no terminal.
func TestWizardDefaultsThenRender(t *testing.T) {
	stack.Require(t)
	bin := e2e.Authctl(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "profile.yaml")
	if r := e2e.Run(t, bin, nil, "init", "--defaults", "-f", file); r.Code != 0 || r.Stdout != "" {
		t.Fatalf("init --defaults: %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	if r := e2e.Run(t, bin, nil, "secrets", "generate", "-f", file); r.Code != 0 {
		t.Fatalf("secrets generate: %s", r.Stderr)
	}
	r := e2e.Run(t, bin, nil, "render", "-f", file)
	if r.Code != 0 || !strings.Contains(r.Stdout, "kind: Deployment") {
		t.Fatalf("render: %d %s", r.Code, r.Stderr)
	}
	// No terminal and no --defaults: never prompts, names the missing flags.
	r = e2e.Run(t, bin, nil, "init", "-f", filepath.Join(dir, "other.yaml"))
	if r.Code != 1 || !strings.Contains(r.Stderr, "missing --name, --domain") {
		t.Fatalf("init without a terminal: %d %s", r.Code, r.Stderr)
	}
}

// TestWizardIngressAndOverwriteInTmux: the gateway choices that need more
// than a name (ingress: its class and a certificate) ask for it on pages
// of their own, and a file that exists is named before anything is lost:
// the summary asks to overwrite it, and "Overwrite" replaces it.
func TestWizardIngressAndOverwriteInTmux(t *testing.T) {
	stack.Require(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not on PATH (install tmux, or AUTHCTL_E2E=skip)")
	}
	bin := e2e.Authctl(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "profile.yaml")
	if err := os.WriteFile(file, []byte("# an older profile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w := wizardTmux{t: t, socket: fmt.Sprintf("authctl-wizard-ingress-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", w.socket, "kill-server").Run() })
	// Without colours, defaults are marked in words.
	script := fmt.Sprintf("cd %s && NO_COLOR=1 %s init -f %s >stdout.txt; echo EXIT=$?; sleep 600", dir, bin, file)
	w.run("new-session", "-d", "-s", "wizard", "-x", "110", "-y", "50", "sh", "-c", script)

	w.waitFor("step 1 of 5")
	w.waitFor("(default) dev")
	w.keys("Enter", "Enter", "acme.example.org", "Enter") // default name and namespace, a domain
	w.waitFor("Gateway target")
	w.keys("Enter", "Down", "Down", "Down", "Down", "Enter", "Enter") // every component; ingress; sqlite
	w.waitFor("Ingress class")
	w.keys("traefik", "Enter")
	w.waitFor("TLS certificate")
	w.keys("Enter") // from a Secret
	w.waitFor("TLS Secret name")
	w.keys("Enter") // the default, dev-tls
	w.waitFor("step 3 of 5")
	w.keys("Enter", "Enter", "Enter")
	w.waitFor("step 4 of 5")
	w.keys("Enter")
	w.waitFor("grafana.acme.example.org") // the example follows the domain typed
	w.keys("Enter")
	w.waitFor("step 5 of 5")
	pane := w.pane()
	for _, want := range []string{"Ingress:      class traefik", "Secret dev-tls", "it exists", "Overwrite it?"} {
		if !strings.Contains(pane, want) {
			t.Errorf("the summary lacks %q:\n%s", want, pane)
		}
	}
	w.keys("Enter") // Overwrite
	w.waitFor("EXIT=")
	if pane := w.pane(); !strings.Contains(pane, "EXIT=0") || !strings.Contains(pane, "wrote "+file) {
		t.Fatalf("init did not succeed:\n%s", pane)
	}
	p, err := profile.Load(file)
	if err != nil {
		t.Fatalf("the written profile is invalid: %v", err)
	}
	if g := p.Spec.Gateway; g.Target != "ingress" || g.IngressClassName != "traefik" || g.TLSSecretName != "dev-tls" {
		t.Errorf("gateway %+v", g)
	}
}
