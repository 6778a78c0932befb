package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// recordingCluster records which release history and rollback were asked
// for; it stands in at the connection seam (the real node runs
// TestClusterRollback with both spellings).
type recordingCluster struct {
	fakeSecretsCluster
	calls *[]string
}

func (c recordingCluster) History(_ context.Context, name, ns string) ([]Revision, error) {
	*c.calls = append(*c.calls, "history "+ns+"/"+name)
	return []Revision{{Revision: 1, Status: "deployed"}}, nil
}

func (c recordingCluster) Rollback(_ context.Context, name, ns string, rev int) error {
	*c.calls = append(*c.calls, fmt.Sprintf("rollback %s/%s %d", ns, name, rev))
	return nil
}

// TestHistoryAndRollbackTakeAReleaseName: as in helm, history and rollback
// take the release name and -n, or the profile with -f, never both.
func TestHistoryAndRollbackTakeAReleaseName(t *testing.T) {
	profileFile := writeProfile(t, t.TempDir()) // dev in namespace dev
	for _, c := range []struct {
		args    []string
		want    string
		wantErr string
	}{
		{args: []string{"history", "dev", "-n", "auth"}, want: "history auth/dev"},
		{args: []string{"history", "-f", profileFile}, want: "history dev/dev"},
		{args: []string{"rollback", "dev", "2", "-n", "auth"}, want: "rollback auth/dev 2"},
		{args: []string{"rollback", "dev", "-n", "auth"}, want: "rollback auth/dev 0"},
		{args: []string{"rollback", "-f", profileFile, "3"}, want: "rollback dev/dev 3"},
		{args: []string{"history", "dev"}, wantErr: `release "dev": add -n NAMESPACE`},
		{args: []string{"history"}, wantErr: "required: -f PROFILE, or the release name and -n NAMESPACE"},
		{args: []string{"history", "dev", "-f", profileFile}, wantErr: "not both"},
		{args: []string{"rollback", "-f", profileFile, "dev", "2"}, wantErr: "with -f, rollback takes only REVISION"},
		{args: []string{"rollback", "dev", "x", "-n", "auth"}, wantErr: `invalid revision "x"`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var calls []string
			s, _, errOut := bufferStreams()
			f := NewFactory(s)
			f.Cluster = func(_, _, _ string) Cluster { return recordingCluster{calls: &calls} }
			root := NewRootCommandWith(f)
			root.SetArgs(c.args)
			err := root.ExecuteContext(context.Background())
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || strings.Join(calls, ";") != c.want {
				t.Fatalf("err %v, calls %v, want %q; stderr %s", err, calls, c.want, errOut)
			}
		})
	}
}
