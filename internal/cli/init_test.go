package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/wizard"
)

// TestInitFlags is the argv → answers table for `authctl init` without a
// terminal.
func TestInitFlags(t *testing.T) {
	defaults := wizard.Defaults()
	with := func(edit func(*wizard.Answers)) wizard.Answers {
		a := wizard.Defaults()
		edit(&a)
		return a
	}
	cases := []struct {
		args    []string
		want    wizard.Answers
		file    string
		wantErr string
	}{
		{args: []string{"--defaults"}, want: defaults, file: "profile.yaml"},
		{args: []string{"--name", "prod", "--domain", "example.com", "-f", "p.yaml"}, file: "p.yaml", want: with(func(a *wizard.Answers) { a.Name, a.Domain = "prod", "example.com" })},
		{args: []string{"--defaults", "--database", "external", "--methods", "password,totp", "--registration=false"}, file: "profile.yaml", want: with(func(a *wizard.Answers) {
			a.Database, a.Methods, a.Registration = "external", []string{"password", "totp"}, false
		})},
		{args: []string{"--defaults", "--social", "google=abc", "--social", "github=def", "--role-binding", "sre=view", "--role-binding", "dev=edit"}, file: "profile.yaml", want: with(func(a *wizard.Answers) {
			a.Social = []wizard.SocialProvider{{Provider: "google", ClientID: "abc"}, {Provider: "github", ClientID: "def"}}
			a.RoleBindings = []wizard.RoleBinding{{Group: "sre", ClusterRole: "view"}, {Group: "dev", ClusterRole: "edit"}}
		})},
		{args: []string{"--defaults", "--service", "a.dev.example.com=http://a:80"}, file: "profile.yaml", want: with(func(a *wizard.Answers) {
			a.Services, a.Gateway = []wizard.Service{{Host: "a.dev.example.com", Upstream: "http://a:80"}}, "envoy"
		})},
		{args: []string{"--defaults", "--components", "hydra"}, file: "profile.yaml", want: with(func(a *wizard.Answers) { a.Components = []string{"hydra"} })},
		{args: []string{}, wantErr: "no terminal to prompt on: missing --name, --domain (or use --defaults)"},
		{args: []string{"--domain", "example.com"}, wantErr: "missing --name"},
		{args: []string{"--defaults", "--gateway", "nginx"}, wantErr: `unknown gateway "nginx"`},
		{args: []string{"--defaults", "--methods", "sms"}, wantErr: `unknown login method "sms"`},
		{args: []string{"--defaults", "--social", "google"}, wantErr: `--social: invalid social provider "google": want KEY=VALUE`},
		{args: []string{"--defaults", "-f", ""}, wantErr: "-f/--filename must not be empty"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var got *InitOptions
			cmd := newInitCommand(IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, func(o *InitOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			var a wizard.Answers
			if err == nil {
				a, err = got.Answers()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Interactive {
				t.Error("a strings.Reader is not a terminal")
			}
			if got.File != tc.file {
				t.Errorf("file %q, want %q", got.File, tc.file)
			}
			if !reflect.DeepEqual(a, tc.want) {
				t.Fatalf("answers\n%+v\nwant\n%+v", a, tc.want)
			}
		})
	}
}

// TestInitDefaultsThenRender is the README path on a fresh directory.
func TestInitDefaultsThenRender(t *testing.T) {
	file := filepath.Join(t.TempDir(), "profile.yaml")
	if out, errOut, code := run(t, "init", "--defaults", "-f", file); code != 0 || out != "" {
		t.Fatalf("init: %d %q %s", code, out, errOut)
	}
	if _, errOut, code := run(t, "init", "--defaults", "-f", file); code != ExitError || !strings.Contains(errOut, "file exists") || !strings.Contains(errOut, "try: authctl init --force") {
		t.Fatalf("second init: %d %s", code, errOut)
	}
	if _, errOut, code := run(t, "init", "--defaults", "--force", "--name", "other", "-f", file); code != 0 {
		t.Fatalf("init --force: %s", errOut)
	}
	if data, _ := os.ReadFile(file); !strings.Contains(string(data), "name: other") {
		t.Fatalf("--force did not replace the file:\n%s", data)
	}
	if _, errOut, code := run(t, "secrets", "generate", "-f", file); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := run(t, "render", "-f", file)
	if code != 0 || !strings.Contains(out, "name: other-kratos") {
		t.Fatalf("render: %d %s", code, errOut)
	}
}

// TestInitCreatesParentsAndNamesFlags: a missing folder is created, and
// answers that make an invalid profile are reported by the flag that set
// them, not by a line of a file that was never written.
func TestInitCreatesParentsAndNamesFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "envs", "prod", "profile.yaml")
	if _, errOut, code := run(t, "init", "--defaults", "-f", file); code != 0 {
		t.Fatalf("init --defaults into a new folder: %s", errOut)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	_, errOut, code := run(t, "init", "-f", bad, "--name", "x", "--domain", "example.com", "--components", "hydra,oathkeeper,ui", "--service", "app.example.com=notaurl")
	if code != ExitError || !strings.Contains(errOut, "--components: spec.components.ui.enabled: the self-service UI needs Kratos") ||
		!strings.Contains(errOut, "nothing was written") || strings.Contains(errOut, "bad.yaml:") {
		t.Fatalf("code %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("an invalid profile was written")
	}
}

// TestInitEveryGatewayRenders: every gateway choice init offers can be
// completed from flags alone: --defaults with each target writes a profile
// that renders (ingress and envoy-gateway used to need a hand edit), and
// the details those targets need have flags of their own.
func TestInitEveryGatewayRenders(t *testing.T) {
	for _, g := range wizard.GatewayChoices() {
		t.Run(g, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "profile.yaml")
			if _, errOut, code := run(t, "init", "--defaults", "--gateway", g, "-f", file); code != 0 {
				t.Fatalf("init --defaults --gateway %s: %s", g, errOut)
			}
			if _, errOut, code := run(t, "secrets", "generate", "-f", file); code != 0 {
				t.Fatal(errOut)
			}
			if _, errOut, code := run(t, "render", "-f", file); code != 0 {
				t.Fatalf("render: %s", errOut)
			}
		})
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--gateway", "ingress", "--ingress-class", "traefik", "--tls-secret", "wild-tls"}, "ingressClassName: traefik\n    # The certificate"},
		{[]string{"--gateway", "envoy-gateway", "--external-tls"}, "externalTLS: true"},
		{[]string{"--gateway", "ingress", "--tls-secret", "wild-tls"}, "tlsSecretName: wild-tls"},
	} {
		file := filepath.Join(dir, strings.Join(c.args, "")+".yaml")
		if _, errOut, code := run(t, append([]string{"init", "--defaults", "-f", file}, c.args...)...); code != 0 {
			t.Fatalf("init %v: %s", c.args, errOut)
		}
		if data, _ := os.ReadFile(file); !strings.Contains(string(data), c.want) {
			t.Errorf("init %v: the profile lacks %q:\n%s", c.args, c.want, data)
		}
	}
	_, errOut, code := run(t, "init", "--defaults", "--gateway", "ingress", "--tls-secret", "Bad_Name", "-f", filepath.Join(dir, "bad.yaml"))
	if code != ExitError || !strings.Contains(errOut, `invalid Secret name "Bad_Name"`) {
		t.Errorf("a bad --tls-secret: %d %s", code, errOut)
	}
}

// TestInitSuggests: a misspelt choice in a flag gets the same "did you
// mean" as a misspelt value in a profile.
func TestInitSuggests(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.yaml")
	for _, c := range []struct{ args []string }{
		{[]string{"--methods", "pasword"}},
		{[]string{"--social", "googel=1"}},
		{[]string{"--gateway", "envoy-gw"}},
		{[]string{"--database", "sqlte"}},
	} {
		_, errOut, code := run(t, append([]string{"init", "--defaults", "-f", file}, c.args...)...)
		if code != ExitError || !strings.Contains(errOut, "did you mean") {
			t.Errorf("init %v: %d %s", c.args, code, errOut)
		}
	}
}
