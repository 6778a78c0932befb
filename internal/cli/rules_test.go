package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRulesTestFlags(t *testing.T) {
	cases := []flagCase[RulesTestOptions]{
		{args: []string{"test", "-f", "p.yaml", "--url", "https://a/"}, want: RulesTestOptions{ProfileFile: "p.yaml", URL: "https://a/", Method: "GET"}},
		{args: []string{"test", "-f", "p.yaml", "--url", "https://a/", "-X", "POST", "-o", "json"}, want: RulesTestOptions{ProfileFile: "p.yaml", URL: "https://a/", Method: "POST", Output: "json"}},
		{args: []string{"test", "-f", "p.yaml"}, wantErr: "required flag --url is missing"},
		{args: []string{"test", "--url", "https://a/"}, wantErr: "required flag -f/--filename is missing"},
		{args: []string{"test", "-f", "p.yaml", "--url", "https://a/", "-o", "table"}, wantErr: `unknown -o/--output "table" (allowed: text, json, yaml)`},
	}
	runFlagCases(t, onStreams(newRulesCommand), cases)
}

func TestRulesTest(t *testing.T) {
	const p = "../../examples/internal-tools.yaml"
	out, errOut, code := run(t, "rules", "test", "-f", p, "--url", "https://grafana.corp.example.com/api/x")
	if code != 0 || !strings.Contains(out, "matched tools:grafana") || !strings.Contains(out, "authenticators: cookie_session") || !strings.Contains(out, "mutators:       header") {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, "rules", "test", "-f", p, "--url", "https://unknown.corp.example.com/", "-o", "json")
	var res struct {
		Matched []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res.Matched) != 1 || res.Matched[0].ID != "tools:default-deny" {
		t.Fatalf("code %d, %v, %s", code, err, out)
	}
	// A method the service does not allow: the default deny for that method.
	out, errOut, code = run(t, "rules", "test", "-f", p, "--url", "https://wiki.corp.example.com/status", "-X", "DELETE")
	if code != 0 || !strings.Contains(out, "matched tools:default-deny-post") || !strings.Contains(out, "authorizer:     deny") {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
	// A path that leaves the public prefix once normalised: the default deny.
	out, errOut, code = run(t, "rules", "test", "-f", p, "--url", "https://wiki.corp.example.com/status/%2e%2e/api/pages")
	if code != 0 || !strings.Contains(out, "matched tools:default-deny\n") {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
	// "#" is part of a request target's path for Oathkeeper (Go's
	// ParseRequestURI), not a fragment; and dot-only, dot-space and
	// look-alike-dot segments leave the public prefix too.
	for _, target := range []string{"/status#/../api/pages", "/status/.../api", "/status/.. /api", "/status/. ./api",
		"/status/..;x/api", "/status/\uff0e\uff0e/api", "/status/\u2025/api", "/status/%E2%80%A4%E2%80%A4/api"} {
		out, errOut, code = run(t, "rules", "test", "-f", p, "--url", "https://wiki.corp.example.com"+target)
		if code != 0 || !strings.Contains(out, "matched tools:default-deny\n") {
			t.Errorf("%s: code %d\n%s\n%s", target, code, out, errOut)
		}
	}
	for _, target := range []string{"/status/a.b", "/status/.well-known", "/status/v1.2..3", "/status/caf\u00e9"} {
		out, errOut, code = run(t, "rules", "test", "-f", p, "--url", "https://wiki.corp.example.com"+target)
		if code != 0 || !strings.Contains(out, "matched tools:status") {
			t.Errorf("%s: code %d\n%s\n%s", target, code, out, errOut)
		}
	}
	// A method outside every rule: no rule matches, exit 1.
	out, errOut, code = run(t, "rules", "test", "-f", p, "--url", "https://wiki.corp.example.com/status", "-X", "BREW")
	if code != ExitError || !strings.Contains(out, "no rule matches") || !strings.Contains(errOut, "no rule matches") {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
}

// TestRulesTestExpect: --expect turns the decision into the exit code, so
// CI can assert that a request is denied (a default deny alone used to
// exit 0) and that another is handled by its service.
func TestRulesTestExpect(t *testing.T) {
	const p = "../../examples/internal-tools.yaml"
	for _, c := range []struct {
		url, method, expect string
		code                int
	}{
		{"https://grafana.corp.example.com/api/x", "GET", "allow", 0},
		{"https://grafana.corp.example.com/api/x", "GET", "deny", ExitError},
		{"https://unknown.corp.example.com/", "GET", "deny", 0},
		{"https://unknown.corp.example.com/", "GET", "allow", ExitError},
		{"https://wiki.corp.example.com/status", "DELETE", "deny", 0},
		{"https://wiki.corp.example.com/status/%2e%2e/api/pages", "GET", "deny", 0},
		{"https://wiki.corp.example.com/status", "BREW", "deny", 0},
	} {
		_, errOut, code := run(t, "rules", "test", "-f", p, "--url", c.url, "-X", c.method, "--expect", c.expect)
		if code != c.code {
			t.Errorf("%s %s --expect %s: exit %d, want %d; %s", c.method, c.url, c.expect, code, c.code, errOut)
		}
		if c.code != 0 && !strings.Contains(errOut, "expected "+c.expect+", got ") {
			t.Errorf("%s %s: %q", c.method, c.url, errOut)
		}
	}
	if _, errOut, code := run(t, "rules", "test", "-f", p, "--url", "https://x/", "--expect", "maybe"); code != ExitError || !strings.Contains(errOut, `unknown --expect "maybe"`) {
		t.Errorf("%d %s", code, errOut)
	}
}
