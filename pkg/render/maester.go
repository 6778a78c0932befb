package render

import (
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// maesterRules turns the access rules into oathkeeper-maester Rule specs.
// Maester names a rule "<name>.<namespace>", so the object names carry the
// rule's identity.
func maesterRules(p *profile.Profile, rs *RuleSet) []any {
	var out []any
	for _, f := range rs.Files {
		out = append(out, maesterRuleSpecs(f)...)
	}
	return out
}

// maesterRuleSpecs are the Rule objects of one rules file; maester writes
// them into the file's ConfigMap.
func maesterRuleSpecs(f RulesFile) []any {
	var out []any
	for _, r := range f.Rules {
		spec := map[string]any{
			"match":          map[string]any{"url": r.Match.URL, "methods": r.Match.Methods},
			"authenticators": r.Authenticators,
			"authorizer":     r.Authorizer,
			"mutators":       r.Mutators,
			"configMapName":  f.ConfigMap,
		}
		if len(r.Errors) > 0 {
			spec["errors"] = r.Errors
		}
		if r.Upstream != nil {
			spec["upstream"] = map[string]any{"url": r.Upstream.URL, "preserveHost": r.Upstream.PreserveHost}
		}
		name := strings.ReplaceAll(r.ID, ":", "-")
		out = append(out, map[string]any{"name": name, "spec": spec})
	}
	return out
}
