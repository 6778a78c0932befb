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

	// doctor --context, as the quickstart has it, finds no kubectl client
	// yet; its fix works when followed as printed (setup port-forwards
	// Hydra's admin Service itself), and doctor then passes that check.
	kctx, err := n.Kubectl("config", "current-context")
	if err != nil {
		t.Fatal(err)
	}
	kctx = strings.TrimSpace(kctx)
	r := st.Run(t, "doctor", "-f", st.Profile, "--context", kctx)
	fix := ""
	for _, line := range strings.Split(r.Stdout, "\n") {
		if f, ok := strings.CutPrefix(strings.TrimSpace(line), "fix: authctl kubeconfig setup "); ok && fix == "" {
			fix, _, _ = strings.Cut(f, " (")
		}
	}
	if r.Code == 0 || !strings.Contains(r.Stdout, "✘ kubectl-redirect-uris") || fix == "" {
		t.Fatalf("doctor before setup: exit %d, no kubectl-redirect-uris fix:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	args := append([]string{"kubeconfig", "setup"}, strings.Fields(fix)...)
	if r := e2e.Run(t, st.Bin, e2e.NoOutsideTraffic, append(args, "--no-login")...); r.Code != 0 {
		t.Fatalf("following doctor's fix %q: exit %d\n%s", fix, r.Code, r.Stderr)
	}
	if r := st.Run(t, "doctor", "-f", st.Profile, "--context", kctx); !strings.Contains(r.Stdout, "✔ kubectl-redirect-uris") {
		t.Errorf("doctor after following its fix:\n%s%s", r.Stdout, r.Stderr)
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
