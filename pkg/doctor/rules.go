package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// oathkeeperRulesPage is the most rules Oathkeeper's GET /rules returns at
// once (its handler caps limit at 500).
const oathkeeperRulesPage = 500

// rulesServed checks that Oathkeeper serves every rule the profile
// renders. In maester mode this is where a Rule oathkeeper-maester cannot
// convert shows: it silently leaves out a Rule with an unknown handler
// (status.validation.valid false) or one it has not reconciled, and the
// gateway then answers that service's requests with no rule at all. With
// the rules ConfigMap it finds a stale or partly mounted file.
func (d *doctor) rulesServed(ctx context.Context) Check {
	p := d.o.Profile
	if !profile.On(p.Spec.Components.Oathkeeper.Enabled) {
		return skip("Oathkeeper is disabled in the profile")
	}
	var served []string
	for offset := 0; ; offset += oathkeeperRulesPage {
		u := join(d.o.Endpoints.OathkeeperAPI, fmt.Sprintf("rules?limit=%d&offset=%d", oathkeeperRulesPage, offset))
		resp, body, err := d.get(ctx, u, nil)
		if err != nil {
			// oathkeeper-health fails for it, with the fix.
			return skip("Oathkeeper's API is not reachable: see oathkeeper-health")
		}
		var page []struct {
			ID string `json:"id"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &page) != nil {
			return fail("see oathkeeper-health", "GET %s: HTTP %d, want a list of rules", u, resp.StatusCode)
		}
		for _, r := range page {
			served = append(served, r.ID)
		}
		if len(page) < oathkeeperRulesPage {
			break
		}
	}
	rs := render.BuildRules(p)
	if p.Spec.Oathkeeper.Rules == "maester" {
		return judgeMaesterRules(p.Metadata.Namespace, render.MaesterRuleIDs(p, rs), served, d.kubectl())
	}
	var want []string
	for _, r := range rs.Rules {
		want = append(want, r.ID)
	}
	return judgeConfigMapRules(want, served, d.kubectl()+" rollout restart deployment/"+p.Metadata.Name+"-oathkeeper")
}

// judgeConfigMapRules is the verdict on the rules Oathkeeper serves
// against the rendered rules ConfigMap's; restart is the kubectl line
// that restarts Oathkeeper.
func judgeConfigMapRules(want, served []string, restart string) Check {
	if missing := notServed(want, served, ""); len(missing) > 0 {
		return fail("authctl apply the profile (the rules ConfigMaps are stale); if they are current: "+restart,
			"Oathkeeper does not serve %d of %d rendered rules: %s", len(missing), len(want), strings.Join(missing, ", "))
	}
	return pass("Oathkeeper serves all %d rendered rules", len(want))
}

// notServed are the ids of want that served lacks, each without suffix.
func notServed(want, served []string, suffix string) []string {
	have := map[string]bool{}
	for _, id := range served {
		have[id] = true
	}
	var missing []string
	for _, id := range want {
		if !have[id] {
			missing = append(missing, strings.TrimSuffix(id, suffix))
		}
	}
	return missing
}

// judgeMaesterRules is the verdict on the rules Oathkeeper serves against
// the ids maester writes for the rendered Rules ("<name>.<namespace>");
// kubectl is the fix's command prefix, namespace included.
func judgeMaesterRules(namespace string, want, served []string, kubectl string) Check {
	if missing := notServed(want, served, "."+namespace); len(missing) > 0 {
		return fail(fmt.Sprintf("%s get rules.oathkeeper.ory.sh %s -o custom-columns=NAME:.metadata.name,VALID:.status.validation.valid,ERROR:.status.validation.error (an invalid Rule: fix its handlers; no status: is oathkeeper-maester running?)",
			kubectl, strings.Join(missing, " ")),
			"Oathkeeper does not serve %d of %d Rules (oathkeeper-maester left them out): %s", len(missing), len(want), strings.Join(missing, ", "))
	}
	return pass("Oathkeeper serves all %d Rules", len(want))
}
