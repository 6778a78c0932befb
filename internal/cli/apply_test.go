package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestApplyFlags(t *testing.T) {
	cases := []struct {
		args    []string
		want    ApplyOptions
		wantErr string
	}{
		{args: []string{"-f", "p.yaml"}, want: ApplyOptions{ProfileFile: "p.yaml", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run"}, want: ApplyOptions{ProfileFile: "p.yaml", DryRun: "server", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run=client", "--context", "kind", "--kubeconfig", "k"}, want: ApplyOptions{ProfileFile: "p.yaml", DryRun: "client", Context: "kind", Kubeconfig: "k", Timeout: 5 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run=none", "--wait", "--timeout", "2m"}, want: ApplyOptions{ProfileFile: "p.yaml", Wait: true, Timeout: 2 * time.Minute}},
		{args: []string{"-f", "p.yaml", "--dry-run=maybe"}, wantErr: `unknown --dry-run "maybe"`},
		{args: []string{"--wait"}, wantErr: "required flag -f/--filename is missing"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var got ApplyOptions
			cmd := newApplyCommand(IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, func(o *ApplyOptions) error { got = *o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v (%v), want %+v", got, err, tc.want)
			}
		})
	}
}
