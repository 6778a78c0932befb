//go:build cluster

package apply_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// applyClusterProfile starts a node with the local images, applies
// e2e.ClusterProfile with `authctl apply --wait` and checks that every
// Deployment is available and every Job complete. It returns the node and
// apply's stderr (the progress view).
func applyClusterProfile(t *testing.T) *e2e.ClusterStack {
	t.Helper()
	return e2e.ApplyProfileOnNode(t, e2e.ClusterProfile, "dev", nil)
}

// TestClusterApplySQLite runs `authctl apply --wait` of the SQLite profile
// on the real node: the init-container migrations run as user 10000 on a
// volume, every Deployment becomes available (readiness probes answered by
// the real servers), and apply's progress view follows the real rollout.
func TestClusterApplySQLite(t *testing.T) {
	stack.Require(t)
	st := applyClusterProfile(t)
	n, stderr := st.N, st.ApplyStderr
	// The progress view on a non-terminal prints plain lines per workload.
	for _, d := range []string{"dev-kratos", "dev-hydra", "dev-oathkeeper"} {
		if !strings.Contains(stderr, "deployment/"+d+" 1/1 ready") {
			t.Errorf("apply's progress output does not show %s ready:\n%s", d, stderr)
		}
	}
	// The migrations ran as init containers, as user 10000, into SQLite
	// files on the volumes.
	for _, c := range []string{"kratos", "hydra"} {
		logs, err := n.Kubectl("-n", "auth", "logs", "deployment/dev-"+c, "-c", "migrate")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ToLower(logs), "applied") {
			t.Errorf("%s migrate init container log shows no applied migrations:\n%s", c, tailLines(logs, 20))
		}
	}
	files, err := n.NodeExec("sh", "-c", "ls -ln "+filepath.Join(n.Dir, "state", "volumes")+"/pv*/")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("volumes:\n%s", files)
	for _, db := range []string{"kratos.sqlite", "hydra.sqlite"} {
		if !regexp.MustCompile(`10000 +10000 +\d+ .* ` + regexp.QuoteMeta(db) + `\n`).MatchString(files) {
			t.Errorf("%s is not a file owned by 10000:10000 on a volume", db)
		}
	}
	if t.Failed() {
		t.Log(n.Describe("auth"))
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
