package cli

import (
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
