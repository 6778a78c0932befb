package apply_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestApplyInstallUpgradeRollback installs the minimal example as a Helm
// release into a real kube-apiserver, upgrades it with a changed profile,
// diffs with --dry-run=server, and rolls back. (No kubelet runs in the
// harness, so pods never start; --wait is not exercised here.)
func TestApplyInstallUpgradeRollback(t *testing.T) {
	stack.Require(t)
	kube := stack.StartKubeAPIServer(t, stack.KubeOptions{})
	bin := e2e.Authctl(t)
	dir := t.TempDir()
	src, err := os.ReadFile(e2e.InRepo("examples/minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	profileFile := filepath.Join(dir, "profile.yaml")
	e2e.WriteFile(t, dir, "profile.yaml", src)
	secretsData, err := os.ReadFile(e2e.TestSecretsFile)
	if err != nil {
		t.Fatal(err)
	}
	secretsFile := e2e.WriteFile(t, dir, "secrets.yaml", secretsData)
	cluster := []string{"--kubeconfig", kube.KubeconfigPath}
	run := func(args ...string) e2e.Result {
		t.Helper()
		return e2e.Run(t, bin, nil, append(args, cluster...)...)
	}
	history := func() []string {
		t.Helper()
		r := run("history", "-f", profileFile, "-o", "json")
		if r.Code != 0 {
			t.Fatalf("history: %s", r.Stderr)
		}
		var revs []struct {
			Revision int
			Status   string
		}
		if err := json.Unmarshal([]byte(r.Stdout), &revs); err != nil {
			t.Fatalf("history -o json: %v\n%s", err, r.Stdout)
		}
		var out []string
		for _, v := range revs {
			out = append(out, v.Status)
		}
		// The human format is a table, under -o table and by default.
		for _, args := range [][]string{{"history", "-f", profileFile, "-o", "table"}, {"history", "-f", profileFile}} {
			if r := run(args...); r.Code != 0 || !strings.HasPrefix(r.Stdout, "REVISION  STATUS") || strings.Contains(r.Stdout, "{") {
				t.Fatalf("%v: %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
			}
		}
		return out
	}
	configMapNames := func() string {
		t.Helper()
		out, stderr, err := stack.Kubectl(t, kube.KubeconfigPath, "get", "configmap", "-n", "auth", "-o", "name")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		return out
	}

	// Install.
	if r := run("apply", "-f", profileFile, "--secrets-file", secretsFile); r.Code != 0 || !strings.Contains(r.Stderr, "revision 1") {
		t.Fatalf("install: %d\n%s", r.Code, r.Stderr)
	}
	if _, stderr, err := stack.Kubectl(t, kube.KubeconfigPath, "get", "deployment", "dev-kratos", "dev-hydra", "-n", "auth"); err != nil {
		t.Fatalf("deployments not created: %v\n%s", err, stderr)
	}
	before := configMapNames()

	// --wait follows the rollout with plain lines off a terminal; with no
	// kubelet here nothing becomes ready, so it must time out and say what.
	r0 := run("apply", "-f", profileFile, "--secrets-file", secretsFile, "--wait", "--timeout", "3s")
	if r0.Code == 0 || !strings.Contains(r0.Stderr, "deployment/dev-kratos 0/1 waiting") || !strings.Contains(r0.Stderr, "not ready after 3s") {
		t.Fatalf("--wait: %d\n%s", r0.Code, r0.Stderr)
	}
	if strings.Contains(r0.Stderr, "\x1b[") {
		t.Errorf("ANSI escapes off a terminal:\n%q", r0.Stderr)
	}

	// A changed profile: the dry run shows the change and changes nothing.
	e2e.WriteFile(t, dir, "profile.yaml", []byte(string(src)+"  kratos:\n    sessionLifespan: 2h\n"))
	r := run("apply", "-f", profileFile, "--secrets-file", secretsFile, "--dry-run=server")
	if r.Code != 0 || !strings.Contains(r.Stdout, "lifespan: 2h") || !strings.Contains(r.Stdout, "+++ rendered/ConfigMap/auth/dev-kratos-config-") {
		t.Fatalf("dry run: %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if got := history(); len(got) != 2 {
		t.Fatalf("the dry run changed the history: %v", got)
	}

	// Upgrade: the config's hash suffix changes, so the pods would roll.
	if r := run("apply", "-f", profileFile, "--secrets-file", secretsFile); r.Code != 0 || !strings.Contains(r.Stderr, "upgraded") || !strings.Contains(r.Stderr, "revision 3") {
		t.Fatalf("upgrade: %d\n%s", r.Code, r.Stderr)
	}
	after := configMapNames()
	if after == before {
		t.Fatalf("the upgrade did not change the config ConfigMap:\n%s", after)
	}
	if got := history(); strings.Join(got, ",") != "superseded,superseded,deployed" {
		t.Fatalf("history after upgrade: %v", got)
	}

	// Rollback to revision 1 restores its objects.
	if r := run("rollback", "-f", profileFile, "1"); r.Code != 0 {
		t.Fatalf("rollback: %s", r.Stderr)
	}
	if got := configMapNames(); got != before {
		t.Fatalf("rollback did not restore revision 1's ConfigMaps:\nwant\n%s\ngot\n%s", before, got)
	}
	if got := history(); strings.Join(got, ",") != "superseded,superseded,superseded,deployed" {
		t.Fatalf("history after rollback: %v", got)
	}
	// A dry run now shows no change against the rolled-back release.
	e2e.WriteFile(t, dir, "profile.yaml", src)
	if r := run("apply", "-f", profileFile, "--secrets-file", secretsFile, "--dry-run=server"); r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "no changes") {
		t.Fatalf("dry run after rollback: %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}

	// The diff is against the live objects, so drift made by hand shows.
	if _, stderr, err := stack.Kubectl(t, kube.KubeconfigPath, "scale", "deployment", "dev-hydra", "-n", "auth", "--replicas=2"); err != nil {
		t.Fatalf("scale: %v\n%s", err, stderr)
	}
	r = run("apply", "-f", profileFile, "--secrets-file", secretsFile, "--dry-run=server")
	if r.Code != 0 || !strings.Contains(r.Stdout, "--- live/Deployment/auth/dev-hydra") || !strings.Contains(r.Stdout, "-  replicas: 2") || !strings.Contains(r.Stdout, "+  replicas: 1") {
		t.Fatalf("drift not shown: %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
}
