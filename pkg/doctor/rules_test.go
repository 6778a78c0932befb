package doctor

import (
	"strings"
	"testing"
)

// TestJudgeMaesterRules: every rendered Rule must be served by Oathkeeper
// under maester's id; a missing one fails with the Rule's name and the
// kubectl line that shows maester's validation of it; rules of the user's
// own beside them are fine.
func TestJudgeMaesterRules(t *testing.T) {
	want := []string{"dev-status.auth", "dev-wiki.auth", "dev-default-deny.auth"}
	kubectl := "kubectl --context prod -n auth"
	for _, c := range []struct {
		name    string
		served  []string
		status  Status
		message string
		fix     string
	}{
		{"all served", []string{"dev-wiki.auth", "dev-default-deny.auth", "dev-status.auth"}, Pass, "all 3 Rules", ""},
		{"and one of the user's", []string{"dev-wiki.auth", "mine.auth", "dev-default-deny.auth", "dev-status.auth"}, Pass, "all 3 Rules", ""},
		{"one left out", []string{"dev-status.auth", "dev-default-deny.auth"}, Fail, "does not serve 1 of 3 Rules (oathkeeper-maester left them out): dev-wiki",
			"kubectl --context prod -n auth get rules.oathkeeper.ory.sh dev-wiki -o custom-columns="},
		{"the same name in another namespace is not it", []string{"dev-status.auth", "dev-wiki.other", "dev-default-deny.auth"}, Fail, ": dev-wiki", "get rules.oathkeeper.ory.sh dev-wiki "},
		{"none served", nil, Fail, "does not serve 3 of 3 Rules", "get rules.oathkeeper.ory.sh dev-status dev-wiki dev-default-deny "},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := judgeMaesterRules("auth", want, c.served, kubectl)
			if got.Status != c.status || !strings.Contains(got.Message, c.message) || !strings.Contains(got.Fix, c.fix) {
				t.Errorf("got %s %q fix %q, want %s containing %q, fix containing %q", got.Status, got.Message, got.Fix, c.status, c.message, c.fix)
			}
		})
	}
}

// TestJudgeConfigMapRules: with the rules ConfigMap every rendered rule id
// must be served as it is.
func TestJudgeConfigMapRules(t *testing.T) {
	want := []string{"dev:status", "dev:default-deny"}
	if got := judgeConfigMapRules(want, []string{"dev:default-deny", "dev:status"}, "restart"); got.Status != Pass {
		t.Errorf("all served: %+v", got)
	}
	got := judgeConfigMapRules(want, []string{"dev:default-deny"}, "kubectl -n auth rollout restart deployment/dev-oathkeeper")
	if got.Status != Fail || !strings.Contains(got.Message, "1 of 2 rendered rules: dev:status") || !strings.Contains(got.Fix, "rollout restart deployment/dev-oathkeeper") {
		t.Errorf("one missing: %+v", got)
	}
}
