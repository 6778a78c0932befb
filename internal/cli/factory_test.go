package cli

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
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

	// The cluster: history connects through Factory.Cluster with the
	// flags it was given.
	var got []string
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	kc := filepath.Join(dir, "kubeconfig")
	os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://"+closed+"'}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: x}\n"), 0o600)
	profileFile := writeProfile(t, dir)
	s, _, _ = bufferStreams()
	f = NewFactory(s)
	f.Cluster = func(kubeconfig, context, namespace string) genericclioptions.RESTClientGetter {
		got = []string{kubeconfig, context, namespace}
		return kubeconfigCluster(kc, "", namespace)
	}
	root = NewRootCommandWith(f)
	root.SetArgs([]string{"history", "-f", profileFile, "--context", "prod", "--kubeconfig", "/nonexistent"})
	err := root.ExecuteContext(context.Background())
	if strings.Join(got, ",") != "/nonexistent,prod,dev" {
		t.Fatalf("Factory.Cluster called with %q", got)
	}
	if err == nil || !strings.Contains(err.Error(), closed) {
		t.Fatalf("history did not connect through the factory's cluster: %v", err)
	}
}
