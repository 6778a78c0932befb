//go:build cluster

package apply_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestClusterRollback upgrades the applied stack with a changed Kratos
// setting, rolls back with `authctl rollback`, and checks that the Kratos
// pods follow: the running pod serves the ConfigMap of revision 1 again.
func TestClusterRollback(t *testing.T) {
	stack.Require(t)
	st := applyClusterProfile(t)
	n := st.N
	kratosConfig := func() string {
		t.Helper()
		// The ConfigMap name carries a content hash; the running pod's
		// volume names the one it mounts.
		cm, err := n.Kubectl("-n", "auth", "get", "pods", "-l", "app.kubernetes.io/name=kratos",
			"--field-selector=status.phase=Running", "-o", `jsonpath={.items[*].spec.volumes[?(@.name=="config")].configMap.name}`)
		if err != nil {
			t.Fatal(err)
		}
		return cm
	}
	rev1 := kratosConfig()

	changed := strings.Replace(e2e.ClusterProfile, "  domain: dev.example.com\n", "  domain: dev.example.com\n  kratos:\n    sessionLifespan: 2h\n", 1)
	if err := os.WriteFile(st.Profile, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := st.Run(t, "apply", "-f", st.Profile, "--secrets-file", st.Secrets, "--wait", "--timeout", "3m"); r.Code != 0 {
		t.Fatalf("upgrade exited %d\n%s", r.Code, n.Describe("auth"))
	}
	rev2 := kratosConfig()
	if rev2 == rev1 || strings.Contains(rev2, " ") {
		t.Fatalf("after the upgrade the Kratos pod mounts %q (revision 1: %q)", rev2, rev1)
	}
	data, _ := n.Kubectl("-n", "auth", "get", "configmap", rev2, "-o", "jsonpath={.data}")
	if !strings.Contains(data, "2h") {
		t.Fatalf("upgraded Kratos config does not carry the 2h session lifespan:\n%s", data)
	}

	// As a helm user would: the release name and -n.
	if r := st.Run(t, "rollback", "dev", "-n", "auth"); r.Code != 0 {
		t.Fatalf("rollback exited %d", r.Code)
	}
	if err := n.WaitRollout("auth", "deployment/dev-kratos", 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := kratosConfig()
		if got == rev1 {
			t.Logf("Kratos pod back on %s (upgrade had %s)", rev1, rev2)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after rollback the running Kratos pod mounts %q, want revision 1's %q\n%s", got, rev1, n.Describe("auth"))
		}
		time.Sleep(2 * time.Second)
	}
	hist := st.Run(t, "history", "-f", st.Profile, "-o", "json")
	if hist.Code != 0 || strings.Count(strings.ToLower(hist.Stdout), `"revision"`) != 3 {
		t.Errorf("history after rollback:\n%s", hist.Stdout)
	}
	if byName := st.Run(t, "history", "dev", "-n", "auth", "-o", "json"); byName.Code != 0 || byName.Stdout != hist.Stdout {
		t.Errorf("history dev -n auth differs from history -f:\n%s", byName.Stdout)
	}
}
