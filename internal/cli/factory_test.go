package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// The commands take the environment and the cluster connection from the
// factory, not from the process: a test (or an embedding program) can
// give each its own.
func TestFactorySeams(t *testing.T) {
	// The environment: bootstrap's KRATOS_ADMIN_URL comes from
	// Factory.Getenv. The process's environment names nothing.
	t.Setenv("KRATOS_ADMIN_URL", "")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer srv.Close()
	dir := t.TempDir()
	ids := filepath.Join(dir, "ids.yaml")
	if err := os.WriteFile(ids, []byte("identities:\n  - traits: {email: a@example.com}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, errOut := bufferStreams()
	f := NewFactory(s)
	f.Getenv = func(k string) string { return map[string]string{"KRATOS_ADMIN_URL": srv.URL}[k] }
	root := NewRootCommandWith(f)
	root.SetArgs([]string{"bootstrap", "plan", "--identities", ids, "--timeout", "2s", "--progress", "none"})
	_ = root.ExecuteContext(context.Background())
	if hits.Load() == 0 {
		t.Fatalf("bootstrap did not use the factory's environment; stderr:\n%s", errOut.String())
	}

}

// TestClusterCommandsRunTheCompanion: the authctl binary has no cluster
// connection (Factory.Cluster is nil); history, rollback, apply and doctor
// --context run authctl-cluster with the process's own arguments, after
// their flags and profile were checked here. Without the companion the
// error says how to install it. (The real exec, beside a real binary, is
// run by test/e2e's apply tests, which build both binaries.)
func TestClusterCommandsRunTheCompanion(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	bin := t.TempDir()
	companion := filepath.Join(bin, CompanionName)
	if err := os.WriteFile(companion, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"history", "-f", profileFile, "--context", "prod"},
		{"rollback", "-f", profileFile, "2"},
		{"apply", "-f", profileFile, "--dry-run=server"},
		{"doctor", "-f", profileFile, "--context", "prod"},
	} {
		t.Run(args[0], func(t *testing.T) {
			if args[0] == "apply" {
				run(t, "secrets", "generate", "-f", profileFile)
			}
			t.Setenv("PATH", bin)
			s, _, errOut := bufferStreams()
			f := NewFactory(s)
			f.Args = args
			var gotPath string
			var gotArgv []string
			f.Exec = func(path string, argv, _ []string) error {
				gotPath, gotArgv = path, argv
				return nil
			}
			root := NewRootCommandWith(f)
			root.SetArgs(args)
			_ = root.ExecuteContext(context.Background())
			if gotPath != companion || strings.Join(gotArgv, " ") != CompanionName+" "+strings.Join(args, " ") {
				t.Fatalf("exec %q %q, want %s with the same arguments; stderr:\n%s", gotPath, gotArgv, companion, errOut.String())
			}

			t.Setenv("PATH", t.TempDir())
			gotPath = ""
			root = NewRootCommandWith(f)
			root.SetArgs(args)
			err := root.ExecuteContext(context.Background())
			if gotPath != "" || err == nil || !strings.Contains(err.Error(), "authctl-cluster was not found beside") {
				t.Fatalf("without the companion: exec %q, err %v", gotPath, err)
			}
			if hint := printError(io.Discard, err); hint != ExitError {
				t.Errorf("exit code %d", hint)
			}
			var b strings.Builder
			printError(&b, err)
			if !strings.Contains(b.String(), "go install github.com/authctl/authctl/cmd/authctl-cluster@latest") {
				t.Errorf("no install hint in:\n%s", b.String())
			}
		})
	}

	// Never from the working directory: a checkout may hold anything.
	t.Run("not from the working directory", func(t *testing.T) {
		t.Chdir(bin)
		t.Setenv("PATH", t.TempDir())
		s, _, _ := bufferStreams()
		f := NewFactory(s)
		f.Args = []string{"history", "-f", profileFile}
		f.Exec = func(path string, _, _ []string) error { t.Fatalf("ran %s", path); return nil }
		root := NewRootCommandWith(f)
		root.SetArgs(f.Args)
		if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "was not found") {
			t.Fatalf("got %v", err)
		}
	})

	// A bad profile is reported here, without running the companion.
	t.Setenv("PATH", bin)
	s, _, _ := bufferStreams()
	f := NewFactory(s)
	f.Args = []string{"history", "-f", filepath.Join(dir, "missing.yaml")}
	f.Exec = func(string, []string, []string) error { t.Fatal("ran the companion for a missing profile"); return nil }
	root := NewRootCommandWith(f)
	root.SetArgs(f.Args)
	if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing profile: %v", err)
	}
}
