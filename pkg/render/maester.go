package render

import (
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// MaesterImage is oathkeeper-maester's image: the version whose Rule CRD
// hack/versions.env pins (OATHKEEPER_MAESTER_VERSION). The profile has no
// field for it; the cluster tests tag their local build with this name.
var MaesterImage = "oryd/oathkeeper-maester:v0.1.10"

// maesterValues are the oathkeeper-maester controller's: it turns the
// rendered Rule objects into the rules ConfigMaps Oathkeeper mounts.
type maesterValues struct {
	Name  string `json:"name"`
	Image string `json:"image"`
	// Args select controller mode; each Rule names its ConfigMap
	// (configMapName), the flags give the default for a Rule that names
	// none and the key Oathkeeper reads (rulesFile).
	Args []string `json:"args"`
}

// maesterController is the controller of spec.oathkeeper.rules: maester,
// or nil in configmap mode.
func maesterController(p *profile.Profile) *maesterValues {
	if p.Spec.Oathkeeper.Rules != "maester" {
		return nil
	}
	return &maesterValues{
		Name:  p.Metadata.Name + "-oathkeeper-maester",
		Image: MaesterImage,
		// Go's flag package: global flags come before the mode. Metrics
		// are off (":8080" by default): nothing in the stack scrapes them,
		// so the pod listens on no port.
		Args: []string{
			"--metrics-addr=0",
			"controller",
			"--rulesConfigmapName=" + p.Metadata.Name + "-oathkeeper-rules",
			"--rulesConfigmapNamespace=" + p.Metadata.Namespace,
			"--rulesFileName=" + rulesFileName,
		},
	}
}

// MaesterRuleName is the name of the Rule object that carries the access
// rule id; oathkeeper-maester gives the rule it writes the id
// "<name>.<namespace>".
func MaesterRuleName(id string) string {
	return strings.ReplaceAll(id, ":", "-")
}

// MaesterRuleIDs are the ids Oathkeeper serves once oathkeeper-maester has
// written every rendered Rule, in render order.
func MaesterRuleIDs(p *profile.Profile, rs *RuleSet) []string {
	var out []string
	for _, f := range rs.Files {
		for _, r := range f.Rules {
			out = append(out, MaesterRuleName(r.ID)+"."+p.Metadata.Namespace)
		}
	}
	return out
}

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
		out = append(out, map[string]any{"name": MaesterRuleName(r.ID), "spec": spec})
	}
	return out
}
