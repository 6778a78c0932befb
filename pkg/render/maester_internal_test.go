package render

import "testing"

// TestMaesterRuleSpecs: a rule becomes a maester Rule named after its id
// (":" is no object-name character), written into its file's ConfigMap,
// with the upstream when it has one and errors only when it names any.
func TestMaesterRuleSpecs(t *testing.T) {
	f := RulesFile{ConfigMap: "dev-oathkeeper-rules", Rules: []Rule{
		{ID: "dev:api", Match: Match{URL: "<x>", Methods: []string{"GET"}}, Upstream: &Upstream{URL: "http://api.apps:80"},
			Authorizer: Handler{Handler: "allow"}, Errors: []Handler{{Handler: "json"}}},
		{ID: "dev:default-deny", Authorizer: Handler{Handler: "deny"}},
	}}
	specs := maesterRuleSpecs(f)
	if len(specs) != 2 {
		t.Fatalf("%d specs, want 2", len(specs))
	}
	api, deny := specs[0].(map[string]any), specs[1].(map[string]any)
	if api["name"] != "dev-api" || deny["name"] != "dev-default-deny" {
		t.Errorf("names %v, %v", api["name"], deny["name"])
	}
	as, ds := api["spec"].(map[string]any), deny["spec"].(map[string]any)
	if as["configMapName"] != "dev-oathkeeper-rules" || as["upstream"] == nil || as["errors"] == nil {
		t.Errorf("api spec %v", as)
	}
	if _, ok := ds["upstream"]; ok {
		t.Errorf("deny spec has an upstream: %v", ds)
	}
	if _, ok := ds["errors"]; ok {
		t.Errorf("deny spec has errors: %v", ds)
	}
}
