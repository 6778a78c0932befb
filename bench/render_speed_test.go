// BenchmarkRenderSpeed measures the render path of the real CLI against two
// baselines in the same run (issue 15, item 6):
//
//	go test ./bench/ -run '^$' -bench RenderSpeed -benchtime 1x -v
//
//   - `authctl version`: the start-up floor, every linked package's init;
//   - `authctl render -f examples/internal-tools.yaml`;
//   - the cost per additional service, from renders of 10 to 10,000
//     services (slope between sizes; flat means linear);
//   - `helm template` of the chart `authctl render --format helm` writes.
//
// helm comes from $AUTHCTL_HELM or PATH; without it the benchmark fails
// with the command that builds it (no silent skip).
//
// Targets: version ≤ 15 ms, internal-tools ≤ 60 ms, ≤ 0.4 ms per
// additional service, linear to 10,000. The figures are reported and
// logged; a miss fails the benchmark.

package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e/stack"
)

const (
	targetVersion    = 15 * time.Millisecond
	targetTools      = 60 * time.Millisecond
	targetPerService = 400 * time.Microsecond
)

// wallMedian runs the command n times and returns the median wall time.
func wallMedian(b *testing.B, n int, name string, args ...string) time.Duration {
	b.Helper()
	var walls []time.Duration
	for i := 0; i < n; i++ {
		cmd := exec.Command(name, args...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		walls = append(walls, time.Since(start))
		if err != nil {
			b.Fatalf("%s %v: %v\n%.2000s", name, args, err, out)
		}
	}
	return median(walls)
}

func helmBinary(b *testing.B) string {
	b.Helper()
	if h := os.Getenv("AUTHCTL_HELM"); h != "" {
		return h
	}
	if h, err := exec.LookPath("helm"); err == nil {
		return h
	}
	b.Fatal("no helm: set AUTHCTL_HELM or put helm on PATH, e.g.\n" +
		"  d=$(mktemp -d) && (cd $d && GOBIN=$d go install helm.sh/helm/v3/cmd/helm@v3.19.0) && export AUTHCTL_HELM=$d/helm")
	return ""
}

func BenchmarkRenderSpeed(b *testing.B) {
	root, err := stack.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	helm := helmBinary(b)
	bin := buildAuthctl(b)
	dir := b.TempDir()
	secretsFile := filepath.Join(root, "pkg/render/testdata/test-secrets.yaml")
	tools := filepath.Join(root, "examples/internal-tools.yaml")
	const runs = 15

	version := wallMedian(b, runs, bin, "version")
	render := wallMedian(b, runs, bin, "render", "-f", tools, "--secrets-file", secretsFile)
	chart := filepath.Join(dir, "chart")
	wallMedian(b, 1, bin, "render", "-f", tools, "--secrets-file", secretsFile, "--format", "helm", "--output-dir", chart)
	helmTemplate := wallMedian(b, runs, helm, "template", "tools", chart, "--namespace", "auth")

	// Per additional service: the slope between consecutive sizes, on the
	// istio target (one Envoy bootstrap cannot hold thousands of services).
	sizes := []int{10, 200, 1000, 10000}
	walls := map[int]time.Duration{}
	for _, n := range sizes {
		file := filepath.Join(dir, fmt.Sprintf("services-%d.yaml", n))
		text := strings.Replace(string(profile.ManyServices(n)), "  services:\n", "  gateway: {target: istio}\n  services:\n", 1)
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			b.Fatal(err)
		}
		walls[n] = wallMedian(b, max(3, runs/max(1, n/200)), bin, "render", "-f", file, "--secrets-file", secretsFile)
	}
	worst := time.Duration(0)
	for i := 1; i < len(sizes); i++ {
		lo, hi := sizes[i-1], sizes[i]
		per := (walls[hi] - walls[lo]) / time.Duration(hi-lo)
		worst = max(worst, per)
		b.Logf("render %5d → %5d services: %v → %v, %v per additional service", lo, hi, walls[lo], walls[hi], per)
	}

	b.ReportMetric(ms(version), "ms/version")
	b.ReportMetric(ms(render), "ms/render-internal-tools")
	b.ReportMetric(ms(helmTemplate), "ms/helm-template")
	b.ReportMetric(ms(worst), "ms/additional-service")
	b.Logf("authctl version %v (target %v); render internal-tools %v (target %v); helm template of its chart %v; worst %v per additional service (target %v)",
		version, targetVersion, render, targetTools, helmTemplate, worst, targetPerService)
	for _, m := range []struct {
		what        string
		got, target time.Duration
	}{{"authctl version", version, targetVersion}, {"render internal-tools", render, targetTools}, {"per additional service", worst, targetPerService}} {
		if m.got > m.target {
			b.Errorf("MISSED: %s %v > target %v", m.what, m.got, m.target)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
