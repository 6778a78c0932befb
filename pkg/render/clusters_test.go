package render_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
)

// TestClustersGetTheirOwnAuthenticationConfiguration: with
// spec.kubernetes.clusters the ConfigMap holds one configuration (and one
// flags file) per cluster, each requiring its own cluster claim, and no
// configuration that would accept any cluster's token.
func TestClustersGetTheirOwnAuthenticationConfiguration(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Spec.Kubernetes.Clusters = []string{"dev", "prod"}
	res, err := renderProfile(t, p)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]string
	for _, o := range res.Objects {
		if o.Kind == "ConfigMap" && o.Name == "dev-kube-apiserver-oidc" {
			var cm struct{ Data map[string]string }
			if err := yaml.Unmarshal(o.YAML, &cm); err != nil {
				t.Fatal(err)
			}
			data = cm.Data
		}
	}
	if _, ok := data["authentication-config.yaml"]; ok || data["oidc-flags.txt"] != "" {
		t.Fatalf("a configuration for any cluster is still rendered: %v", keys(data))
	}
	for _, c := range []string{"dev", "prod"} {
		var ac struct {
			JWT []struct {
				Issuer struct {
					Audiences []string `json:"audiences"`
				} `json:"issuer"`
				ClaimValidationRules []struct {
					Expression string `json:"expression"`
				} `json:"claimValidationRules"`
			} `json:"jwt"`
		}
		if err := yaml.Unmarshal([]byte(data["authentication-config-"+c+".yaml"]), &ac); err != nil || len(ac.JWT) != 1 {
			t.Fatalf("cluster %s: %v %v", c, err, keys(data))
		}
		rules := ac.JWT[0].ClaimValidationRules
		if want := "has(claims.cluster) && claims.cluster == '" + c + "'"; len(rules) == 0 || rules[len(rules)-1].Expression != want {
			t.Errorf("cluster %s rules %+v, want %s", c, rules, want)
		}
		if !strings.Contains(data["oidc-flags-"+c+".txt"], "--oidc-required-claim=cluster="+c+"\n") {
			t.Errorf("cluster %s flags:\n%s", c, data["oidc-flags-"+c+".txt"])
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
