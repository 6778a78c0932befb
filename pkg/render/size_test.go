package render_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

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

// TestRulesSplitOverConfigMaps: 1500 services' rules (about 3 MB) are split
// over several ConfigMaps under 1 MiB each, all mounted and all listed as
// Oathkeeper repositories, holding every rule exactly once; with
// oathkeeper-maester the Rule objects are spread over the same ConfigMaps.
func TestRulesSplitOverConfigMaps(t *testing.T) {
	for _, mode := range []string{"configmap", "maester"} {
		t.Run(mode, func(t *testing.T) {
			p := manyServices(t, 1500, "{target: istio}\n  oathkeeper: {rules: "+mode+"}")
			res, err := renderProfile(t, p)
			if err != nil {
				t.Fatal(err)
			}
			rs := render.BuildRules(p)
			files := rs.Files
			if len(files) < 3 {
				t.Fatalf("%d rules files", len(files))
			}
			seen := map[string]bool{}
			for _, f := range files {
				for _, r := range f.Rules {
					if seen[r.ID] {
						t.Errorf("rule %s twice", r.ID)
					}
					seen[r.ID] = true
				}
			}
			if len(seen) != len(rs.Rules) {
				t.Errorf("%d of %d rules in files", len(seen), len(rs.Rules))
			}
			var cms, rules int
			maesterCMs := map[string]bool{}
			var cfg, deploy string
			for _, o := range res.Objects {
				if len(o.YAML) > render.MaxObjectBytes {
					t.Errorf("%s %s is %d bytes", o.Kind, o.Name, len(o.YAML))
				}
				switch {
				case o.Kind == "ConfigMap" && strings.HasPrefix(o.Name, "dev-oathkeeper-rules"):
					cms++
				case o.Kind == "Rule":
					rules++
					var m struct {
						Spec struct{ ConfigMapName string }
					}
					if err := yaml.Unmarshal(o.YAML, &m); err != nil {
						t.Fatal(err)
					}
					maesterCMs[m.Spec.ConfigMapName] = true
				case o.Kind == "ConfigMap" && strings.HasPrefix(o.Name, "dev-oathkeeper-config"):
					cfg = string(o.YAML)
				case o.Kind == "Deployment" && o.Name == "dev-oathkeeper":
					deploy = string(o.YAML)
				}
			}
			if mode == "configmap" && cms != len(files) {
				t.Errorf("%d rules ConfigMaps for %d files", cms, len(files))
			}
			if mode == "maester" && (rules != len(rs.Rules) || len(maesterCMs) != len(files)) {
				t.Errorf("%d Rule objects over %d ConfigMaps, want %d over %d", rules, len(maesterCMs), len(rs.Rules), len(files))
			}
			for _, f := range files {
				if !strings.Contains(cfg, "file:///etc/rules/oathkeeper/"+f.Path) {
					t.Errorf("repositories lack %s", f.Path)
				}
				if !strings.Contains(deploy, "name: "+f.ConfigMap+"\n") || !strings.Contains(deploy, "path: "+f.Path) {
					t.Errorf("the Deployment does not mount %s as %s", f.ConfigMap, f.Path)
				}
				if mode == "maester" && !maesterCMs[f.ConfigMap] {
					t.Errorf("no Rule writes into %s", f.ConfigMap)
				}
			}
		})
	}
}

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
