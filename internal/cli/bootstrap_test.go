package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/ory"
)

// defaultBootstrap is BootstrapOptions with the operation's fields b, the
// command's own fields set by edit, and every flag default.
func defaultBootstrap(b ory.Bootstrap, edit ...func(*BootstrapOptions)) BootstrapOptions {
	o := BootstrapOptions{Bootstrap: b}
	for _, e := range edit {
		e(&o)
	}
	o.BatchSize = ory.DefaultBatchSize
	o.PlaintextBatchSize = ory.DefaultPlaintextBatchSize
	if o.Concurrency == 0 {
		o.Concurrency = ory.DefaultConcurrency
	}
	o.Timeout = 30 * time.Minute
	o.RequestTimeout = 2 * time.Minute
	if o.SecretsFormat == "" {
		o.SecretsFormat = "secret"
	}
	if o.Progress == "" {
		o.Progress = "auto"
	}
	return o
}

// TestBootstrapFlags is the argv → options table.
func TestBootstrapFlags(t *testing.T) {
	cases := []flagCase[BootstrapOptions]{
		{args: []string{"-f", "p.yaml"}, want: defaultBootstrap(ory.Bootstrap{}, func(o *BootstrapOptions) { o.ProfileFile = "p.yaml" })},
		{args: []string{"plan", "-f", "p.yaml"}, want: defaultBootstrap(ory.Bootstrap{DryRun: true}, func(o *BootstrapOptions) { o.ProfileFile = "p.yaml" })},
		{args: []string{"--identities", "i.ndjson", "--dry-run", "-o", "json", "--prune", "--update-credentials"},
			want: defaultBootstrap(ory.Bootstrap{IdentitiesFile: "i.ndjson", DryRun: true, Prune: true, UpdateCredentials: true}, func(o *BootstrapOptions) { o.Output = "json" })},
		{args: []string{"--clients", "c.yaml", "--rotate-secret", "a", "--rotate-secret", "b", "--secrets-out", "s.yaml", "--secrets-format", "json", "--namespace", "auth"},
			want: defaultBootstrap(ory.Bootstrap{ClientsFile: "c.yaml", RotateSecrets: []string{"a", "b"}, SecretsOut: "s.yaml", SecretsFormat: "json", Namespace: "auth"})},
		{args: []string{"--identities", "i", "--kratos-admin-url", "https://k:4434", "--ca-file", "ca.pem", "--header", "X-Proxy: 1", "--concurrency", "8"},
			want: defaultBootstrap(ory.Bootstrap{IdentitiesFile: "i", KratosAdminURL: "https://k:4434", CAFile: "ca.pem", Concurrency: 8}, func(o *BootstrapOptions) { o.Headers = []string{"X-Proxy: 1"} })},
		{args: []string{}, wantErr: "nothing to do"},
		{args: []string{"--identities", "i", "-o", "table"}, wantErr: `unknown -o/--output "table"`},
		{args: []string{"--identities", "i", "--secrets-format", "env"}, wantErr: `unknown --secrets-format "env"`},
		{args: []string{"--identities", "i", "--header", "novalue"}, wantErr: `want "Name: value"`},
		{args: []string{"--identities", "i", "--batch-size", "5000"}, wantErr: "between 1 and 2000"},
		{args: []string{"--identities", "i", "--concurrency", "0"}, wantErr: "--concurrency must be between"},
		{args: []string{"--identities", "i", "--progress", "fancy"}, wantErr: `unknown --progress "fancy"`},
		{args: []string{"plan", "--identities", "i", "--dry-run"}, wantErr: "unknown flag: --dry-run"},
	}
	runFlagCases(t, newBootstrapCommand, cases)
}

// TestBootstrapResolvePrecedence: flag, then environment, then profile, as
// the flags become the ory.Bootstrap operation.
func TestBootstrapResolvePrecedence(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	data, _ := os.ReadFile(profileFile)
	data = append(data, []byte("  bootstrap:\n    identities: users.ndjson\n    clients: clients.yaml\n")...)
	if err := os.WriteFile(profileFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HYDRA_ADMIN_URL": "http://hydra-from-env:4445"}
	getenv := func(k string) string { return env[k] }

	// -f is loaded by the command: the operation takes the loaded profile.
	o, err := (&BootstrapOptions{ProfileFile: profileFile, Bootstrap: ory.Bootstrap{KratosAdminURL: "http://kratos-from-flag:4434"}}).operation(context.Background(), IOStreams{}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Resolve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o.KratosAdminURL != "http://kratos-from-flag:4434" || o.HydraAdminURL != "http://hydra-from-env:4445" {
		t.Errorf("urls: %q %q", o.KratosAdminURL, o.HydraAdminURL)
	}
	if o.IdentitiesFile != filepath.Join(dir, "users.ndjson") || o.ClientsFile != filepath.Join(dir, "clients.yaml") {
		t.Errorf("files not resolved against the profile: %q %q", o.IdentitiesFile, o.ClientsFile)
	}
	if o.Namespace == "" {
		t.Error("namespace not taken from the profile")
	}

	o, err = (&BootstrapOptions{ProfileFile: profileFile}).operation(context.Background(), IOStreams{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Resolve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.KratosAdminURL, "kratos-admin") || !strings.Contains(o.HydraAdminURL, "hydra-admin") {
		t.Errorf("profile-derived urls: %q %q", o.KratosAdminURL, o.HydraAdminURL)
	}
}

func TestBootstrapRefusesGeneratedSecretsWithoutOutput(t *testing.T) {
	dir := t.TempDir()
	clients := filepath.Join(dir, "clients.yaml")
	_ = os.WriteFile(clients, []byte("- client_id: ci\n  grant_types: [client_credentials]\n"), 0o600)
	// No server is contacted: the check happens before any request.
	out, errOut, code := run(t, "bootstrap", "--clients", clients, "--hydra-admin-url", "http://127.0.0.1:1")
	if code == 0 || out != "" {
		t.Fatalf("code %d stdout %q", code, out)
	}
	if !strings.Contains(errOut, "generated client secrets need an output file") || !strings.Contains(errOut, "try: add --secrets-out FILE") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}

// TestBootstrapAgainstNothingSaysSo: a plan against an admin URL where
// nothing listens (a stopped port-forward) says that it is retrying while
// it does, and ends with the error alone: no all-zero plan first.
func TestBootstrapAgainstNothingSaysSo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	ids := filepath.Join(t.TempDir(), "ids.yaml")
	if err := os.WriteFile(ids, []byte("identities:\n  - traits: {email: a@example.com}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "bootstrap", "plan", "--identities", ids, "--kratos-admin-url", closed, "--timeout", "3s", "--progress", "none")
	if code == 0 {
		t.Fatal("a plan against nothing succeeded")
	}
	if out != "" {
		t.Errorf("stdout before the error: %q", out)
	}
	if !strings.Contains(errOut, "retrying in ") || !strings.Contains(errOut, "connection refused") {
		t.Errorf("no retry line on stderr:\n%s", errOut)
	}
}
