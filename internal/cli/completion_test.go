package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletionProfileHostsAndClientIDs(t *testing.T) {
	out, _, code := run(t, "__complete", "rules", "test", "-f", "../../examples/internal-tools.yaml", "--url", "https://wiki")
	if code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"https://wiki.corp.example.com/wiki\n", "https://wiki.corp.example.com/status\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("url completion lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "grafana") {
		t.Errorf("url completion ignores the typed prefix:\n%s", out)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clients.yaml"), []byte("- client_id: ci-deployer\n  grant_types: [client_credentials]\n- client_id: grafana\n  grant_types: [authorization_code]\n  redirect_uris: [https://grafana.example.com/login]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	profileFile := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(profileFile, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  bootstrap: {clients: clients.yaml}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir) // commands without -f read ./profile.yaml
	if err := os.Rename(profileFile, filepath.Join(dir, "profile.yaml")); err != nil {
		t.Fatal(err)
	}
	out, _, _ = run(t, "__complete", "login", "--client-id", "")
	for _, want := range []string{"kubectl\n", "ci-deployer\n", "grafana\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("client-id completion lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = run(t, "completion", "zsh")
	if !strings.Contains(out, "#compdef authctl") {
		t.Errorf("no zsh completion script: %.80q", out)
	}
}

// TestCompletionFixedValues: --format <TAB> offers the formats, not files.
func TestCompletionFixedValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"render", "--format", ""}, "stream\nkustomize\nhelm\n:4\n"},
		{[]string{"doctor", "-o", ""}, "text\njson\nyaml\n:4\n"},
		{[]string{"history", "-o", ""}, "table\njson\nyaml\n:4\n"},
		{[]string{"get-token", "--grant-type", ""}, "authcode\nclient-credentials\n:4\n"},
	} {
		out, _, _ := run(t, append([]string{"__complete"}, tc.args...)...)
		if !strings.HasPrefix(out, tc.want) {
			t.Errorf("%v: %q, want %q", tc.args, out, tc.want)
		}
	}
	if out, _, _ := run(t, "completion", "bash", "--help"); !strings.Contains(out, "bash-completion") {
		t.Errorf("completion bash --help does not name the bash-completion package")
	}
}
