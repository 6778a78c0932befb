package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestApplyFlags(t *testing.T) {
	cases := []flagCase[ApplyOptions]{
		{args: []string{"-f", "p.yaml"}, want: ApplyOptions{ProfileFile: "p.yaml", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run"}, want: ApplyOptions{ProfileFile: "p.yaml", DryRun: "server", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run=client", "--context", "kind", "--kubeconfig", "k"}, want: ApplyOptions{ProfileFile: "p.yaml", DryRun: "client", Context: "kind", Kubeconfig: "k", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run=none", "--wait", "--timeout", "2m"}, want: ApplyOptions{ProfileFile: "p.yaml", Wait: true, Timeout: 2 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run=maybe"}, wantErr: `unknown --dry-run "maybe"`},
		{args: []string{"--wait"}, wantErr: "required flag -f/--filename is missing"},
		{args: []string{"-f", "p.yaml", "--bootstrap", "--bootstrap-secrets-out", "s.yaml"}, want: ApplyOptions{ProfileFile: "p.yaml", Bootstrap: true, BootstrapSecretsOut: "s.yaml", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--bootstrap", "--dry-run"}, wantErr: "cannot be combined with --dry-run"},
		{args: []string{"-f", "p.yaml", "--bootstrap-secrets-out", "s.yaml"}, wantErr: "--bootstrap-secrets-out needs --bootstrap"},
	}
	runFlagCases(t, newApplyCommand, cases)
}

// TestApplyDryRunClientIsOffline: --dry-run=client needs no cluster; the
// kubeconfig points at a port where nothing listens.
func TestApplyDryRunClientIsOffline(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	run(t, "secrets", "generate", "-f", profileFile)
	kc := filepath.Join(dir, "kubeconfig")
	os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: x}\n"), 0o600)
	out, errOut, code := run(t, "apply", "-f", profileFile, "--kubeconfig", kc, "--dry-run=client")
	if code != 0 {
		t.Fatalf("apply --dry-run=client: %d %s", code, errOut)
	}
	if !strings.Contains(out, "kind: Deployment") || !strings.Contains(out, "# Source: dev/templates/") {
		t.Errorf("stdout is not the rendered manifest: %.300s", out)
	}
	if !strings.Contains(errOut, "nothing was sent to a cluster") {
		t.Errorf("stderr %q", errOut)
	}
}
