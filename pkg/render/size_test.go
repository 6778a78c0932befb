package render_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// manyServices is profile.ManyServices on a gateway target.
func manyServices(t testing.TB, n int, gateway string) *profile.Profile {
	t.Helper()
	data := strings.Replace(string(profile.ManyServices(n)), "  services:\n", "  gateway: "+gateway+"\n  services:\n", 1)
	p, err := profile.Parse("p.yaml", "", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func renderProfile(t testing.TB, p *profile.Profile) (*render.Result, error) {
	t.Helper()
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return render.Render(render.Options{Profile: p, Secrets: sf})
}

// TestObjectOverLimitFails: what cannot be split fails with a positioned
// error instead of rendering an object Kubernetes refuses.
func TestObjectOverLimitFails(t *testing.T) {
	big := `{"type": "object", "title": "` + strings.Repeat("x", 1<<20) + `"}`
	text := "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  kratos:\n    identitySchemas:\n      - id: big\n        inline: '" + big + "'\n"
	p, err := profile.Parse("p.yaml", "", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	_, err = renderProfile(t, p)
	if err == nil || !strings.Contains(err.Error(), "p.yaml:8:9: spec.kratos.identitySchemas[0]: the rendered ConfigMap dev-kratos-schemas") || !strings.Contains(err.Error(), "object limit") {
		t.Errorf("want the schema size error, got %.300v", err)
	}
	_, err = renderProfile(t, manyServices(t, 1200, "{target: envoy}"))
	if err == nil || !strings.Contains(err.Error(), "p.yaml:7:21: spec.gateway.target: the rendered ConfigMap dev-envoy-config") || !strings.Contains(err.Error(), "istio") {
		t.Errorf("want the Envoy size error, got %.300v", err)
	}
}

// TestChunkedDenyRulesRandom: on random valid profiles, with a tiny chunk
// budget, every request matches exactly one rule, the same kind of rule as
// with one default deny.
func TestChunkedDenyRulesRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	hosts := []string{"a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com"}
	paths := []string{"/", "/api", "/api/v1", "/web", "/x/y"}
	methods := []string{"GET", "POST", "DELETE", "PROPFIND"}
	restore := render.SetRuleLimits(150, 800<<10)
	defer restore()
	kind := func(r render.Rule) string {
		if r.Authorizer.Handler == "deny" {
			return "deny"
		}
		return r.ID
	}
	tried, split := 0, 0
	for round := 0; tried < 40 && round < 400; round++ {
		text := "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  gateway: {target: istio}\n  services:\n"
		for i := 0; i < 2+rng.Intn(6); i++ {
			h := hosts[rng.Intn(len(hosts))]
			if rng.Intn(3) == 0 {
				h += ", " + hosts[rng.Intn(len(hosts))]
			}
			m := ""
			if rng.Intn(2) == 0 {
				m = ", methods: [" + methods[rng.Intn(len(methods))] + "]"
			}
			text += fmt.Sprintf("    - {name: s%d, hosts: [%s], paths: [%s]%s, upstream: {url: \"http://up:80\"}, allow: [session]}\n", i, h, paths[rng.Intn(len(paths))], m)
		}
		p, err := profile.Parse("p.yaml", "", []byte(text))
		if err != nil {
			continue // overlapping services: the lint refuses them
		}
		tried++
		chunked := render.BuildRules(p)
		restore()
		whole := render.BuildRules(p)
		render.SetRuleLimits(150, 800<<10)
		if len(chunked.Rules) > len(whole.Rules) {
			split++
		}
		for _, h := range append(hosts, "z.example.com", "A.example.com") {
			for _, pa := range []string{"/", "/api/v1/x", "/web/../api", "/x/y", "/x", "/webx"} {
				for _, m := range []string{"GET", "POST", "DELETE", "PROPFIND", "TRACE"} {
					a, _ := whole.Match(m, "https://"+h+pa)
					b, _ := chunked.Match(m, "https://"+h+pa)
					if len(a.Matched) != 1 || len(b.Matched) != 1 || kind(a.Matched[0]) != kind(b.Matched[0]) {
						t.Fatalf("%s\n%s https://%s%s: whole %v, chunked %v", text, m, h, pa, a.Verdict, b.Verdict)
					}
				}
			}
		}
	}
	if tried < 20 || split < tried/2 {
		t.Fatalf("only %d valid random profiles, %d with a chunked deny", tried, split)
	}
}
