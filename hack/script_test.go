// Package hack_test checks hack/test.sh's preflight with a stubbed PATH:
// the refusal of AUTHCTL_E2E=skip in CI and the up-front kubectl and
// module proxy checks. Nothing here runs the real suite.
package hack_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stubGo answers `go env GOPROXY` and `go mod download`, which fails with
// a proxy error when STUB_GO_FAIL is set.
const stubGo = `#!/bin/bash
case "$1 $2" in
  "env GOPROXY") echo https://proxy.example.test ;;
  "mod download")
    if [[ -n "$STUB_GO_FAIL" ]]; then
      echo "go: $4: Get \"https://proxy.example.test/\": dial tcp: lookup proxy.example.test: no such host" >&2
      exit 1
    fi
    echo '{"Dir": "/tmp/x"}' ;;
  *) echo "stub go: unexpected: $*" >&2; exit 3 ;;
esac
`

func preflight(t *testing.T, withKubectl bool, env ...string) (string, error) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(stubGo), 0o755); err != nil {
		t.Fatal(err)
	}
	if withKubectl {
		if err := os.WriteFile(filepath.Join(bin, "kubectl"), []byte("#!/bin/bash\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bash, "test.sh", "--preflight")
	// Only the stubs: no real go, kubectl or anything else is reachable.
	cmd.Env = append([]string{"PATH=" + bin, "HOME=" + t.TempDir()}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPreflight(t *testing.T) {
	for _, tc := range []struct {
		name        string
		env         []string
		noKubectl   bool
		wantFail    bool
		wantOutputs []string
	}{
		{name: "CI refuses AUTHCTL_E2E=skip", env: []string{"CI=true", "AUTHCTL_E2E=skip"}, wantFail: true,
			wantOutputs: []string{"test: error: AUTHCTL_E2E=skip is set in CI (CI=true)", "the real-server tests would be skipped", "Unset AUTHCTL_E2E"}},
		{name: "any CI value refuses it", env: []string{"CI=1", "AUTHCTL_E2E=skip"}, wantFail: true,
			wantOutputs: []string{"AUTHCTL_E2E=skip is set in CI"}},
		{name: "outside CI it warns", env: []string{"AUTHCTL_E2E=skip"},
			wantOutputs: []string{"WARNING: AUTHCTL_E2E=skip: the real-server tests will be SKIPPED", "preflight ok"}},
		{name: "CI=false is not CI", env: []string{"CI=false", "AUTHCTL_E2E=skip"},
			wantOutputs: []string{"WARNING", "preflight ok"}},
		{name: "CI without the switch", env: []string{"CI=true"}, wantOutputs: []string{"preflight ok"}},
		{name: "CI refuses AUTHCTL_CLUSTER=skip", env: []string{"CI=true", "AUTHCTL_CLUSTER=skip"}, wantFail: true,
			wantOutputs: []string{"test: error: AUTHCTL_CLUSTER=skip is set in CI (CI=true)", "Unset AUTHCTL_CLUSTER"}},
		{name: "outside CI the cluster switch warns", env: []string{"AUTHCTL_CLUSTER=skip"},
			wantOutputs: []string{"WARNING: AUTHCTL_CLUSTER=skip: the real-node phase (TestCluster…) will be SKIPPED", "preflight ok"}},
		{name: "kubectl missing", env: []string{"CI=true"}, noKubectl: true, wantFail: true,
			wantOutputs: []string{"test: error: kubectl is not on PATH"}},
		{name: "module proxy unreachable", env: []string{"CI=true", "STUB_GO_FAIL=1"}, wantFail: true,
			wantOutputs: []string{"test: error: could not download github.com/external-secrets/external-secrets@v", "through the Go module proxy (https://proxy.example.test)", "no such host"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := preflight(t, !tc.noKubectl, tc.env...)
			if tc.wantFail != (err != nil) {
				t.Fatalf("err = %v, want failure %v; output:\n%s", err, tc.wantFail, out)
			}
			for _, w := range tc.wantOutputs {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
			if strings.Contains(out, "stub go: unexpected") {
				t.Errorf("the preflight ran an unexpected go command:\n%s", out)
			}
		})
	}
}
