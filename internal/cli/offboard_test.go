package cli

import (
	"strings"
	"testing"
)

func TestOffboardFlags(t *testing.T) {
	var got *OffboardOptions
	cmd := newOffboardCommand(NewFactory(IOStreams{}), func(o *OffboardOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-f", "p.yaml", "--delete", "--ca-file", "ca.pem", "-o", "json", "a@example.com", "b@example.com"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.ProfileFile != "p.yaml" || !got.Delete || got.CAFile != "ca.pem" || got.Output != "json" || strings.Join(got.Identifiers, ",") != "a@example.com,b@example.com" {
		t.Fatalf("options %+v", got)
	}
	for name, tc := range map[string]struct {
		o    OffboardOptions
		want string
	}{
		"nobody":         {OffboardOptions{ProfileFile: "p"}, "at least one identity"},
		"no admin URLs":  {OffboardOptions{Identifiers: []string{"a"}, KratosAdminURL: "k"}, "--hydra-admin-url"},
		"unknown output": {OffboardOptions{Identifiers: []string{"a"}, ProfileFile: "p", Output: "table"}, "allowed: text, json, yaml"},
	} {
		if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}
