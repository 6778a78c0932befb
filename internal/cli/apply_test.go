package cli

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/secrets"
)

func TestApplyFlags(t *testing.T) {
	cases := []flagCase[ApplyOptions]{
		{args: []string{"-f", "p.yaml"}, want: ApplyOptions{ProfileFile: "p.yaml", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run"}, want: ApplyOptions{ProfileFile: "p.yaml", DryRun: "client", Timeout: 5 * time.Minute}}, // bare: client, as in kubectl and helm
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

// TestApplyClientDryRunIsOfflineAndHidesSecrets: --dry-run=client runs in
// authctl itself (this factory has no cluster and no companion to run), and
// its manifest, which CI logs keep, hides every Secret's data unless
// --show-secrets asks for it.
func TestApplyClientDryRunIsOfflineAndHidesSecrets(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	if _, errOut, code := run(t, "secrets", "generate", "-f", profileFile); code != 0 {
		t.Fatal(errOut)
	}
	t.Setenv("PATH", t.TempDir()) // no authctl-cluster anywhere
	sf, err := secrets.Load(filepath.Join(dir, ".authctl", "dev.secrets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	secretValues := stringLeaves(t, sf)
	if len(secretValues) == 0 {
		t.Fatal("the secrets file has no values")
	}
	out, errOut, code := run(t, "apply", "-f", profileFile, "--dry-run=client")
	if code != 0 {
		t.Fatalf("apply --dry-run=client: %d %s", code, errOut)
	}
	if !strings.Contains(out, "kind: Deployment") || !strings.Contains(out, "# HIDDEN: The Secret output has been suppressed") || strings.Contains(out, "kind: Secret") {
		t.Errorf("the manifest does not hide its Secrets:\n%.2000s", out)
	}
	for _, v := range secretValues {
		if strings.Contains(out, v) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(v))) {
			t.Fatalf("a secret value is on stdout")
		}
	}
	if !strings.Contains(errOut, "--show-secrets") {
		t.Errorf("stderr does not say how to see the Secrets: %q", errOut)
	}
	out, errOut, code = run(t, "apply", "-f", profileFile, "--dry-run=client", "--show-secrets")
	if code != 0 || !strings.Contains(out, "kind: Secret") || strings.Contains(out, "# HIDDEN") {
		t.Fatalf("--show-secrets: %d %s\n%.500s", code, errOut, out)
	}
	if _, errOut, code := run(t, "apply", "-f", profileFile, "--show-secrets"); code == 0 || !strings.Contains(errOut, "--show-secrets is for --dry-run=client") {
		t.Errorf("--show-secrets without a client dry run: %d %s", code, errOut)
	}
}

// stringLeaves returns the long string values in v (secret values).
func stringLeaves(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	_ = json.Unmarshal(b, &tree)
	var out []string
	var walk func(any)
	walk = func(n any) {
		switch x := n.(type) {
		case map[string]any:
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		case string:
			if len(x) >= 16 {
				out = append(out, x)
			}
		}
	}
	walk(tree)
	return out
}
