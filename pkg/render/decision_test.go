package render

import "testing"

func TestDecision(t *testing.T) {
	deny := Rule{ID: "x:default-deny", Authenticators: []Handler{{Handler: "unauthorized"}}, Authorizer: Handler{Handler: "deny"}}
	anon := Rule{ID: "x:status", Authenticators: []Handler{{Handler: "anonymous"}}, Authorizer: Handler{Handler: "allow"}}
	onlyUnauthorized := Rule{ID: "x:closed", Authenticators: []Handler{{Handler: "unauthorized"}}, Authorizer: Handler{Handler: "allow"}}
	for _, c := range []struct {
		matched []Rule
		want    string
	}{
		{[]Rule{anon}, DecisionAllow},
		{[]Rule{deny}, DecisionDeny},
		{[]Rule{onlyUnauthorized}, DecisionDeny},
		{nil, DecisionDeny},
		{[]Rule{anon, anon}, DecisionDeny},
	} {
		if got := (&MatchResult{Matched: c.matched}).Decision(); got != c.want {
			t.Errorf("%v: %s, want %s", c.matched, got, c.want)
		}
	}
}
