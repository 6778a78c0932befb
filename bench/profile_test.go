// BenchmarkProfileInput and BenchmarkRenderScaling measure what bad or large
// profiles cost (issue 13). They run only with -bench:
//
//	bench/profile.sh   (or: go test ./bench/ -run '^$' -bench 'ProfileInput|RenderScaling' -benchtime 1x -v)
//
// Targets: the 20 KB alias file rejected in under 1 s and 100 MB (peak RSS
// of the real `authctl validate`); validate of 10,000 services under 1 s;
// render time per service flat from 1,000 to 10,000 services.

package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
	"github.com/authctl/authctl/test/e2e/stack"
)

// buildAuthctl builds the CLI once per benchmark.
func buildAuthctl(b *testing.B) string {
	b.Helper()
	root, err := stack.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "authctl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/authctl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// validateRun runs `authctl validate -f file` and returns its wall time,
// peak RSS in MiB and whether it succeeded.
func validateRun(b *testing.B, bin, file string) (time.Duration, float64, bool, string) {
	b.Helper()
	cmd := exec.Command(bin, "validate", "-f", file)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return wall, float64(ru.Maxrss) / 1024, err == nil, string(out)
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// BenchmarkProfileInput runs the real CLI on hostile and large profiles.
func BenchmarkProfileInput(b *testing.B) {
	bin := buildAuthctl(b)
	dir := b.TempDir()
	cases := []struct {
		name    string
		data    []byte
		valid   bool
		maxWall time.Duration
		maxMiB  float64
	}{
		// The binary's own start-up (every linked package's init) is the floor.
		{"minimal-profile", []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  secrets: {policy: existingSecret, existingSecret: {kratos: k, hydra: h, ui: u, oathkeeper: o}}\n"), true, 0, 0},
		{"alias-bomb-20KB", profile.AliasBomb(20 << 10), false, time.Second, 100},
		{"alias-bomb-60KB", profile.AliasBomb(60 << 10), false, time.Second, 100},
		{"services-10000", profile.ManyServices(10000), true, time.Second, 0},
		{"services-36000-5MB", profile.ManyServices(36000), true, 0, 0},
	}
	for _, c := range cases {
		file := filepath.Join(dir, c.name+".yaml")
		if err := os.WriteFile(file, c.data, 0o600); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			var walls []time.Duration
			var peak float64
			for i := 0; i < max(b.N, 3); i++ {
				wall, mib, ok, out := validateRun(b, bin, file)
				if ok != c.valid {
					b.Fatalf("validate ok=%v, want %v:\n%.500s", ok, c.valid, out)
				}
				walls = append(walls, wall)
				peak = max(peak, mib)
			}
			m := median(walls)
			b.ReportMetric(m.Seconds(), "s/validate")
			b.ReportMetric(peak, "MiB-peak-RSS")
			b.Logf("%s: %d bytes, median %v, peak RSS %.1f MiB", c.name, len(c.data), m, peak)
			if c.maxWall > 0 && m > c.maxWall {
				b.Errorf("median %v over the %v target", m, c.maxWall)
			}
			if c.maxMiB > 0 && peak > c.maxMiB {
				b.Errorf("peak RSS %.1f MiB over the %.0f MiB target", peak, c.maxMiB)
			}
		})
	}
}

// BenchmarkRenderScaling renders 1,000 to 10,000 services (istio target,
// rules in ConfigMaps; and oathkeeper-maester Rule objects) and reports the
// time per service, which must stay flat: rendering is linear.
func BenchmarkRenderScaling(b *testing.B) {
	root, err := stack.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	sf, err := secrets.Load(filepath.Join(root, "pkg/render/testdata/test-secrets.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"configmap", "maester"} {
		b.Run(mode, func(b *testing.B) {
			// Warm up (template parsing, first allocations) before timing.
			warm, err := profile.Parse("p.yaml", "", profile.ManyServices(500))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := render.Render(render.Options{Profile: warm, Secrets: sf}); err != nil {
				b.Fatal(err)
			}
			var perService []float64
			var sizes []int
			for _, n := range []int{1000, 2500, 5000, 10000} {
				text := strings.Replace(string(profile.ManyServices(n)), "  services:\n", "  gateway: {target: istio}\n  oathkeeper: {rules: "+mode+"}\n  services:\n", 1)
				p, err := profile.Parse("p.yaml", "", []byte(text))
				if err != nil {
					b.Fatal(err)
				}
				var walls []time.Duration
				var objects, largest int
				for i := 0; i < 3; i++ {
					start := time.Now()
					res, err := render.Render(render.Options{Profile: p, Secrets: sf})
					if err != nil {
						b.Fatal(err)
					}
					walls = append(walls, time.Since(start))
					objects = len(res.Objects)
					for _, o := range res.Objects {
						largest = max(largest, len(o.YAML))
					}
				}
				m := median(walls)
				us := float64(m.Microseconds()) / float64(n)
				perService = append(perService, us)
				sizes = append(sizes, n)
				b.ReportMetric(us, fmt.Sprintf("us/service@%d", n))
				b.Logf("%s %5d services: median %v (%.0f µs/service), %d objects, largest %d bytes", mode, n, m, us, objects, largest)
			}
			if last, first := perService[len(perService)-1], perService[0]; last > 2*first {
				b.Errorf("not linear: %.0f µs/service at %d, %.0f at %d", last, sizes[len(sizes)-1], first, sizes[0])
			}
		})
	}
}
