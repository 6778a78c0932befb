package kube

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/cli"
)

// run runs the command tree of authctl-cluster in process.
func run(t *testing.T, f *cli.Factory, args ...string) error {
	t.Helper()
	root := cli.NewRootCommandWith(f)
	root.SetArgs(args)
	return root.ExecuteContext(context.Background())
}

func streams() (cli.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, &out, &errOut
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

const profileYAML = "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n"

func kubeconfigFor(server string) string {
	return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: '" + server + "'}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: x}\n"
}

// TestClusterFromTheFlags: history connects through Factory.Cluster with
// the flags it was given, and Connect reads the kubeconfig as kubectl does
// (its server, where nothing listens, is in the error).
func TestClusterFromTheFlags(t *testing.T) {
	dir := t.TempDir()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	writeFiles(t, dir, map[string]string{"profile.yaml": profileYAML, "kubeconfig": kubeconfigFor("https://" + closed)})
	var got []string
	s, _, _ := streams()
	f := NewFactory(s)
	f.Cluster = func(kubeconfig, context, namespace string) cli.Cluster {
		got = []string{kubeconfig, context, namespace}
		return Connect(filepath.Join(dir, "kubeconfig"), "", namespace)
	}
	err := run(t, f, "history", "-f", filepath.Join(dir, "profile.yaml"), "--context", "prod", "--kubeconfig", "/nonexistent")
	if strings.Join(got, ",") != "/nonexistent,prod,dev" {
		t.Fatalf("Factory.Cluster called with %q", got)
	}
	if err == nil || !strings.Contains(err.Error(), closed) {
		t.Fatalf("history did not connect through the factory's cluster: %v", err)
	}
}

// TestApplyDryRunClientIsOffline: --dry-run=client needs no cluster; the
// kubeconfig points at a port where nothing listens.
func TestApplyDryRunClientIsOffline(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"profile.yaml": profileYAML, "kubeconfig": kubeconfigFor("https://127.0.0.1:1")})
	profileFile := filepath.Join(dir, "profile.yaml")
	s, out, errOut := streams()
	f := NewFactory(s)
	if err := run(t, f, "secrets", "generate", "-f", profileFile); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if err := run(t, f, "apply", "-f", profileFile, "--kubeconfig", filepath.Join(dir, "kubeconfig"), "--dry-run=client"); err != nil {
		t.Fatalf("apply --dry-run=client: %v\n%s", err, errOut)
	}
	if !strings.Contains(out.String(), "kind: Deployment") || !strings.Contains(out.String(), "# Source: dev/templates/") {
		t.Errorf("stdout is not the rendered manifest: %.300s", out)
	}
	if !strings.Contains(errOut.String(), "nothing was sent to a cluster") {
		t.Errorf("stderr %q", errOut)
	}
}
