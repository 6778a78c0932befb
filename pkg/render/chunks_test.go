package render_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/render"
)

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
