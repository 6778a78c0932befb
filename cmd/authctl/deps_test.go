package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanImportGraph keeps authctl's startup cheap: Go runs the init of
// every linked package on every command, `authctl version` included, and
// Helm's actions, client-go's clientsets and schemes, kubectl and the
// JSON-schema validator Helm's chartutil pulls in cost more than a whole
// render (issue 15). Those live in authctl-cluster, which authctl runs for
// the commands that need a cluster (internal/cli/cluster.go).
func TestLeanImportGraph(t *testing.T) {
	deps := goListDeps(t, ".")
	forbidden := []string{
		"helm.sh/helm/v3/pkg/action", "helm.sh/helm/v3/pkg/engine", "helm.sh/helm/v3/pkg/chartutil",
		"helm.sh/helm/v3/pkg/kube", "helm.sh/helm/v3/pkg/registry", "helm.sh/helm/v3/pkg/storage",
		"k8s.io/client-go/kubernetes", "k8s.io/client-go/dynamic", "k8s.io/client-go/discovery",
		"k8s.io/cli-runtime", "k8s.io/kubectl", "github.com/santhosh-tekuri/jsonschema", "oras.land/",
		"github.com/authctl/authctl/pkg/apply", "github.com/authctl/authctl/internal/cli/kube",
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, strings.TrimSuffix(f, "/")+"/") {
				t.Errorf("authctl links %s (forbidden: %s; it belongs in authctl-cluster)", d, f)
			}
		}
	}
	t.Logf("authctl links %d packages", len(deps))

	// The companion has what authctl left out.
	companion := goListDeps(t, "../authctl-cluster")
	for _, want := range []string{"github.com/authctl/authctl/pkg/apply", "helm.sh/helm/v3/pkg/action", "k8s.io/client-go/kubernetes"} {
		found := false
		for _, d := range companion {
			found = found || d == want
		}
		if !found {
			t.Errorf("authctl-cluster does not link %s", want)
		}
	}
}

func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}
