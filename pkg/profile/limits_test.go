package profile_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
)

// TestSchemaLimitsEnforced: every minimum, maximum, pattern and length the
// JSON Schema states (from the jsonschema tags) is enforced by the loader,
// at file:line:col.
func TestSchemaLimitsEnforced(t *testing.T) {
	up := func(port string) string {
		return header + "  services:\n    - name: a\n      hosts: [a.example.com]\n      allow: [session]\n      upstream: {service: a, port: " + port + "}\n"
	}
	cases := []struct {
		name, input string
		want        []string
	}{
		{"port too high", up("70000"), []string{"p.yaml:11:36:", "spec.services[0].upstream.port", "70000 is out of range", "allowed: 1 to 65535"}},
		{"port negative", up("-1"), []string{"p.yaml:11:36:", "-1 is out of range"}},
		{"port zero", up("0"), []string{"p.yaml:11:36:", "0 is out of range"}},
		{"replicas zero", header + "  scaling:\n    replicas: 0\n", []string{"p.yaml:8:15:", "spec.scaling.replicas", "0 is out of range", "allowed: 1 or more"}},
		{"cpu over 100", header + "  scaling:\n    targetCPUUtilization: 150\n", []string{"p.yaml:8:27:", "150 is out of range", "allowed: 1 to 100"}},
		{"redirect port", header + "  kubernetes:\n    redirectPorts: [18000, 99999]\n", []string{"p.yaml:8:28:", "spec.kubernetes.redirectPorts[1]", "99999 is out of range"}},
		{"version pattern", header + "  kubernetes:\n    version: \"1.x\"\n", []string{"p.yaml:8:14:", "spec.kubernetes.version", "must match"}},
		{"required field", header + "  kubernetes:\n    roleBindings:\n      - group: admins\n", []string{"p.yaml:9:9:", "spec.kubernetes.roleBindings[0]", "roleBindings[0].clusterRole: required field is missing"}},
		{"required service field", header + "  services:\n    - name: a\n      hosts: [a.example.com]\n      upstream: {url: \"http://a:80\"}\n", []string{"p.yaml:8:7:", "spec.services[0]", "services[0].allow: required field is missing"}},
		{"name too long", strings.Replace(header, "name: dev", "name: "+strings.Repeat("a", 41), 1), []string{"p.yaml:4:9:", "too long", "at most 40"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profile.Parse("p.yaml", t.TempDir(), []byte(tc.input))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestDidYouMean: unknown enum values and fields suggest the closest name.
func TestDidYouMean(t *testing.T) {
	cases := []struct{ input, want string }{
		{header + "  kratos:\n    methods: [pasword]\n", `unknown value "pasword" (did you mean "password"? allowed:`},
		{header + "  kratos:\n    method: [password]\n", `unknown field "method" (did you mean "methods"? allowed fields:`},
		{header + "  hydra:\n    accessTokenStrategy: JWT\n", `did you mean "jwt"?`},
		{header + "  gateway:\n    target: envoygateway\n", `did you mean "envoy-gateway"?`},
	}
	for _, tc := range cases {
		_, err := profile.Parse("p.yaml", "", []byte(tc.input))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v does not contain %q", err, tc.want)
		}
	}
	_, err := profile.Parse("p.yaml", "", []byte(header+"  kratos:\n    methods: [xyzzy]\n"))
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a far-off value must not get a suggestion: %v", err)
	}
}

// TestTabIsNamed: a tab in the indentation is reported as a tab, where it is.
func TestTabIsNamed(t *testing.T) {
	_, err := profile.Parse("p.yaml", "", []byte(header+"  kratos:\n\tmethods: [password]\n"))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{"p.yaml:8:1:", "tab character", "spaces"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// TestAliasBombRejectedCheaply: aliases that expand far beyond the file
// (the 20 KB profile of the issue: one service with many hosts, repeated by
// alias) are rejected before they expand, in well under a second, with a
// positioned error.
func TestAliasBombRejectedCheaply(t *testing.T) {
	data := profile.AliasBomb(20 << 10)
	if len(data) < 19<<10 || len(data) > 21<<10 {
		t.Fatalf("bomb is %d bytes", len(data))
	}
	start := time.Now()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, err := profile.Parse("bomb.yaml", "", data)
	runtime.ReadMemStats(&m1)
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "aliases expand to too many nodes") || !strings.Contains(err.Error(), "bomb.yaml:") {
		t.Fatalf("want a positioned alias error, got %v", err)
	}
	if elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
	if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 100<<20 {
		t.Errorf("allocated %d MB", alloc>>20)
	}
	// Sharing a block between services stays fine.
	ok := header + "  services:\n" +
		"    - name: a\n      hosts: [a.example.com]\n      upstream: &up {url: \"http://up:80\"}\n      allow: &allow [session]\n" +
		"    - name: b\n      hosts: [b.example.com]\n      upstream: *up\n      allow: *allow\n"
	if _, err := profile.Parse("p.yaml", "", []byte(ok)); err != nil {
		t.Fatalf("anchors shared between services must load: %v", err)
	}
}

// TestSizeCap: a profile over the cap is refused before it is parsed, and
// the cap can be raised.
func TestSizeCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	data := []byte(header + "# " + strings.Repeat("x", 2000) + "\n")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := profile.LoadContext(context.Background(), path, profile.LoadOptions{MaxBytes: 1000})
	if err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") || !strings.Contains(err.Error(), "--max-profile-size") {
		t.Fatalf("want the size error, got %v", err)
	}
	if _, err := profile.LoadContext(context.Background(), path, profile.LoadOptions{MaxBytes: 4000}); err != nil {
		t.Fatal(err)
	}
}

// TestLoadHonoursCancellation: a cancelled context stops loading.
func TestLoadHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := profile.ParseContext(ctx, "p.yaml", "", profile.ManyServices(5000), profile.LoadOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

// TestOverlapIndexMatchesPairwise: the indexed overlap lint reports exactly
// what comparing every pair reports, on random services.
func TestOverlapIndexMatchesPairwise(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	hosts := []string{"a.example.com", "b.example.com", "c.example.com"}
	paths := []string{"/", "/api", "/api/v1", "/web", "/api-v2", "/web/x/"}
	methods := []string{"GET", "POST", "DELETE"}
	for round := 0; round < 200; round++ {
		var b strings.Builder
		n := 2 + rng.Intn(5)
		for i := 0; i < n; i++ {
			h := hosts[rng.Intn(len(hosts))]
			if rng.Intn(3) == 0 {
				h += ", " + hosts[rng.Intn(len(hosts))]
			}
			p := paths[rng.Intn(len(paths))]
			if rng.Intn(3) == 0 {
				p += ", " + paths[rng.Intn(len(paths))]
			}
			m := ""
			if rng.Intn(2) == 0 {
				m = methods[rng.Intn(len(methods))]
			}
			b.WriteString(svc(fmt.Sprintf("s%d", i), h, p, m, "session"))
		}
		input := header + "  services:\n" + b.String()
		got := profile.OverlapErrorsForTest(t, []byte(input))
		want := profile.PairwiseOverlapErrorsForTest(t, []byte(input))
		if got != want {
			t.Fatalf("round %d:\n%s\nindexed:\n%s\npairwise:\n%s", round, input, got, want)
		}
	}
}
