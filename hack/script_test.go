// Package hack_test checks hack/test.sh's preflight with a stubbed PATH
// (the refusal of AUTHCTL_E2E=skip in CI and the up-front kubectl and
// module proxy checks) and hack/fuzz.sh's verdicts with a stubbed go.
// Nothing here runs the real suite.
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
		{name: "CI refuses AUTHCTL_FUZZ_TIME=0", env: []string{"CI=true", "AUTHCTL_FUZZ_TIME=0"}, wantFail: true,
			wantOutputs: []string{"test: error: AUTHCTL_FUZZ_TIME=0 is set in CI (CI=true)", "Unset AUTHCTL_FUZZ_TIME"}},
		{name: "kubectl missing", env: []string{"CI=true"}, noKubectl: true, wantFail: true,
			wantOutputs: []string{"test: error: kubectl is not on PATH"}},
		{name: "module proxy unreachable", env: []string{"CI=true", "STUB_GO_FAIL=1"}, wantFail: true,
			wantOutputs: []string{"test: error: could not download github.com/external-secrets/external-secrets@v", "through the Go module proxy (https://proxy.example.test)", "no such host"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := preflight(t, !tc.noKubectl, tc.env...)
			checkScript(t, "the preflight", out, err, tc.wantFail, tc.wantOutputs)
		})
	}
}

// stubFuzzGo plays go for hack/fuzz.sh: one target, FuzzA in example.test/a,
// whose corpus directory is $STUB_DIR/testdata/fuzz/FuzzA. Each fuzzing run
// takes the next word of $STUB_DIR/script: pass, race (Go 1.26's coordinator
// deadline with nothing found), crash (writes an input, as go test does) or
// broken (a build error).
const stubFuzzGo = `#!/bin/bash
case "$1" in
  list) echo "$STUB_DIR" ; exit 0 ;;
esac
if [[ "$1 $2" == "test -list" ]]; then
  printf 'FuzzA\nok  \texample.test/a\t0.01s\n'; exit 0
fi
[[ "$1 $2 $3 $4" == "test -run ^$ -fuzz" ]] || { echo "stub go: unexpected: $*" >&2; exit 3; }
echo run >>"$STUB_DIR/runs"
read -r step rest <"$STUB_DIR/script"
echo "$rest" >"$STUB_DIR/script"
case "$step" in
  pass) echo "fuzz: elapsed: 10s, execs: 100 (10/sec)"; echo PASS ;;
  race) printf -- '--- FAIL: FuzzA (10.12s)\n    context deadline exceeded\nFAIL\nexit status 1\n'; exit 1 ;;
  crash)
    mkdir -p "$STUB_DIR/testdata/fuzz/FuzzA"
    printf 'go test fuzz v1\n[]byte("boom")\n' >"$STUB_DIR/testdata/fuzz/FuzzA/0123abcd"
    printf -- '--- FAIL: FuzzA (3.00s)\n    panic: boom\n    Failing input written to testdata/fuzz/FuzzA/0123abcd\n'; exit 1 ;;
  broken) echo "a/fuzz_test.go:3:1: syntax error" >&2; exit 1 ;;
esac
`

// TestFuzzVerdicts: hack/fuzz.sh runs a target again only for Go 1.26's
// coordinator deadline with no input written (golang/go#75804), and fails
// on a written input, a build error, or the race three times in a row.
func TestFuzzVerdicts(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, tc := range []struct {
		name        string
		script      string
		seed        bool // an input committed before the run
		wantFail    bool
		wantRuns    int
		wantOutputs []string
	}{
		{name: "pass", script: "pass", wantRuns: 1, wantOutputs: []string{"fuzzing: no failures"}},
		{name: "the race runs it again", script: "race pass", wantRuns: 2,
			wantOutputs: []string{"golang/go#75804", "running it again", "fuzzing: no failures"}},
		{name: "the race twice, then a pass", script: "race race pass", wantRuns: 3, wantOutputs: []string{"fuzzing: no failures"}},
		{name: "the race three times fails", script: "race race race pass", wantFail: true, wantRuns: 3,
			wantOutputs: []string{"three times in a row", "look for a slow input"}},
		{name: "a written input fails at once and is printed", script: "crash pass", seed: true, wantFail: true, wantRuns: 1,
			wantOutputs: []string{"FuzzA (example.test/a): failing input kept in", "new failing input", `[]byte("boom")`}},
		{name: "a committed seed is not a new input", script: "race pass", seed: true, wantRuns: 2,
			wantOutputs: []string{"running it again", "fuzzing: no failures"}},
		{name: "a build error is not retried", script: "broken pass", wantFail: true, wantRuns: 1,
			wantOutputs: []string{"syntax error", "fuzzing found failures"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin, dir := t.TempDir(), t.TempDir()
			if err := os.WriteFile(filepath.Join(bin, "go"), []byte(stubFuzzGo), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "script"), []byte(tc.script+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.seed {
				// A committed seed is not a new input.
				if err := os.MkdirAll(filepath.Join(dir, "testdata/fuzz/FuzzA"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "testdata/fuzz/FuzzA/seed"), []byte("go test fuzz v1\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bash, "fuzz.sh")
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir(), "STUB_DIR=" + dir}
			outb, err := cmd.CombinedOutput()
			out := string(outb)
			checkScript(t, "fuzz.sh", out, err, tc.wantFail, tc.wantOutputs)
			runs, _ := os.ReadFile(filepath.Join(dir, "runs"))
			if got := strings.Count(string(runs), "run"); got != tc.wantRuns {
				t.Errorf("fuzzing ran %d times, want %d; output:\n%s", got, tc.wantRuns, out)
			}
		})
	}
}

// checkScript judges one run of a hack script under the stubs: it failed
// or not as wanted, printed each wanted output, and ran no go command the
// stub does not know.
func checkScript(t *testing.T, what, out string, err error, wantFail bool, wantOutputs []string) {
	t.Helper()
	if wantFail != (err != nil) {
		t.Fatalf("err = %v, want failure %v; output:\n%s", err, wantFail, out)
	}
	for _, w := range wantOutputs {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in:\n%s", w, out)
		}
	}
	if strings.Contains(out, "stub go: unexpected") {
		t.Errorf("%s ran an unexpected go command:\n%s", what, out)
	}
}
