package render_test

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/render"
)

// TestMaesterController: in maester mode the render carries
// oathkeeper-maester itself, with exactly the RBAC its source needs, the
// update verb limited to the rules ConfigMaps Oathkeeper mounts (all of
// them when the rules are split), and the key Oathkeeper reads; in
// configmap mode none of it.
func TestMaesterController(t *testing.T) {
	for _, mode := range []string{"configmap", "maester"} {
		t.Run(mode, func(t *testing.T) {
			p := manyServices(t, 1500, "{target: istio}\n  oathkeeper: {rules: "+mode+"}")
			res, err := renderProfile(t, p)
			if err != nil {
				t.Fatal(err)
			}
			name := p.Metadata.Name + "-oathkeeper-maester"
			var kinds []string
			var role struct {
				Rules []struct {
					APIGroups     []string `json:"apiGroups"`
					Resources     []string `json:"resources"`
					ResourceNames []string `json:"resourceNames"`
					Verbs         []string `json:"verbs"`
				}
			}
			var dep string
			for _, o := range res.Objects {
				if o.Name != name {
					continue
				}
				kinds = append(kinds, o.Kind)
				switch o.Kind {
				case "Role":
					if err := yaml.Unmarshal(o.YAML, &role); err != nil {
						t.Fatal(err)
					}
				case "Deployment":
					dep = string(o.YAML)
				}
			}
			if mode == "configmap" {
				if len(kinds) != 0 {
					t.Fatalf("configmap mode renders the controller: %v", kinds)
				}
				return
			}
			if want := []string{"Deployment", "NetworkPolicy", "Role", "RoleBinding", "ServiceAccount"}; !sameSet(kinds, want) {
				t.Fatalf("controller objects %v, want %v", kinds, want)
			}
			var files []string
			for _, f := range render.BuildRules(p).Files {
				files = append(files, f.ConfigMap)
			}
			if len(files) < 2 {
				t.Fatalf("want split rules, got %v", files)
			}
			got := map[string][]string{}
			for _, r := range role.Rules {
				key := strings.Join(r.APIGroups, ",") + "/" + strings.Join(r.Resources, ",")
				if len(r.ResourceNames) > 0 {
					if !reflect.DeepEqual(r.ResourceNames, files) {
						t.Errorf("%s names %v, want the rules ConfigMaps %v", key, r.ResourceNames, files)
					}
					key += "[named]"
				}
				got[key] = r.Verbs
			}
			want := map[string][]string{
				"oathkeeper.ory.sh/rules": {"list", "watch", "update"},
				"/configmaps":             {"list", "watch", "create"},
				"/configmaps[named]":      {"update"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Role rules %v, want %v", got, want)
			}
			for _, s := range []string{
				"image: " + render.MaesterImage,
				"- controller\n",
				"- --rulesConfigmapName=" + files[0] + "\n",
				"- --rulesFileName=access-rules.json\n",
				"serviceAccountName: " + name,
				"fieldPath: metadata.namespace",
			} {
				if !strings.Contains(dep, s) {
					t.Errorf("Deployment lacks %q:\n%s", s, dep)
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}
