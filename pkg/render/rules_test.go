package render_test

import (
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// TestBuildRulesAllowAndDeny: a service's rule allows its own prefix and
// the safe paths below it; the same request with a trick (a dot segment,
// a double slash, another host, a method it does not allow) falls to the
// default deny, and every request matches exactly one rule.
func TestBuildRulesAllowAndDeny(t *testing.T) {
	doc := "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: dev\nspec:\n  domain: example.com\n" +
		"  services:\n    - name: api\n      hosts: [api.example.com]\n      paths: [/v1]\n      methods: [GET]\n" +
		"      upstream: {service: api, namespace: apps, port: 80}\n      allow: [anonymous]\n"
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	rs := render.BuildRules(p)
	for _, c := range []struct{ method, url, want string }{
		{"GET", "https://api.example.com/v1", render.DecisionAllow},
		{"GET", "https://api.example.com/v1/users/7", render.DecisionAllow},
		{"GET", "https://api.example.com/v1/../admin", render.DecisionDeny},
		{"GET", "https://api.example.com/v1//admin", render.DecisionDeny},
		{"GET", "https://api.example.com/admin", render.DecisionDeny},
		{"GET", "https://other.example.com/v1", render.DecisionDeny},
		{"POST", "https://api.example.com/v1", render.DecisionDeny},
	} {
		res, err := rs.Match(c.method, c.url)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.url, err)
		}
		if len(res.Matched) != 1 {
			t.Errorf("%s %s matched %d rules, want 1", c.method, c.url, len(res.Matched))
		}
		if got := res.Decision(); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.method, c.url, got, c.want)
		}
	}
}
