package render_test

import (
	"fmt"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// TestChunkedDenyRulesMatchOnce: when the default deny is split by host,
// every request still matches exactly one rule, and the same one it
// matches when the deny is one rule.
func TestChunkedDenyRulesMatchOnce(t *testing.T) {
	text := `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev}
spec:
  domain: example.com
  gateway: {target: istio}
  services:
    - {name: a, hosts: [a.example.com], upstream: {url: "http://up:80"}, allow: [session]}
    - {name: b, hosts: [b.example.com], paths: [/api], methods: [GET], upstream: {url: "http://up:80"}, allow: [session]}
    - {name: c, hosts: [b.example.com], paths: [/web], upstream: {url: "http://up:80"}, allow: [anonymous]}
    - {name: d, hosts: [d.example.com, e.example.com], paths: [/d], upstream: {url: "http://up:80"}, allow: [session]}
    - {name: e, hosts: [e.example.com], paths: [/x], methods: [POST], upstream: {url: "http://up:80"}, allow: [jwt], audience: [e]}
`
	for i := 0; i < 8; i++ {
		text += fmt.Sprintf("    - {name: f%d, hosts: [f%d.example.com], paths: [/p], upstream: {url: \"http://up:80\"}, allow: [session]}\n", i, i)
	}
	p, err := profile.Parse("p.yaml", "", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	whole := render.BuildRules(p)
	restore := render.SetRuleLimits(200, 800<<10)
	chunked := render.BuildRules(p)
	restore()
	if len(chunked.Rules) <= len(whole.Rules) {
		t.Fatalf("not chunked: %d rules vs %d", len(chunked.Rules), len(whole.Rules))
	}
	hosts := []string{"a.example.com", "b.example.com", "d.example.com", "e.example.com", "f0.example.com", "f7.example.com",
		"z.example.com", "A.example.com", "a.example.com.", "a.example.com.evil.org", "example.com", "f1.example.com:8443", "b.example.com:80"}
	paths := []string{"/", "/api", "/api/x", "/web/y", "/x", "/p", "/p/q", "/../api", "/api/%2e%2e", "/webx", "", "/d", "/d/e"}
	kind := func(r render.Rule) string {
		if r.Authorizer.Handler == "deny" {
			return "deny"
		}
		return r.ID
	}
	for _, h := range hosts {
		for _, pa := range paths {
			for _, m := range append([]string{"BREW"}, render.KnownMethods...) {
				u := "https://" + h + pa
				a, err := whole.Match(m, u)
				if err != nil {
					t.Fatal(err)
				}
				b, err := chunked.Match(m, u)
				if err != nil {
					t.Fatal(err)
				}
				if len(b.Matched) != len(a.Matched) || len(b.Matched) > 1 {
					t.Fatalf("%s %s: %d rules match chunked, %d whole", m, u, len(b.Matched), len(a.Matched))
				}
				if len(a.Matched) == 1 && kind(a.Matched[0]) != kind(b.Matched[0]) {
					t.Fatalf("%s %s: %s chunked, %s whole", m, u, b.Matched[0].ID, a.Matched[0].ID)
				}
			}
		}
	}
}
