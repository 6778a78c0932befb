package render

// Decisions of `authctl rules test --expect`.
const (
	// DecisionAllow: one rule handles the request and can let it through;
	// whether it does then depends on its authenticators and authorizer
	// (a session, a token, groups).
	DecisionAllow = "allow"
	// DecisionDeny: refused whatever the credentials: the one rule that
	// matches refuses everyone (a default deny), no rule matches (404), or
	// several do (500).
	DecisionDeny = "deny"
)

// Decision is DecisionAllow or DecisionDeny for the result.
func (m *MatchResult) Decision() string {
	if len(m.Matched) == 1 && !refusesEveryone(m.Matched[0]) {
		return DecisionAllow
	}
	return DecisionDeny
}

// refusesEveryone reports a rule no credential passes: the default-deny
// rules' unauthorized authenticator and deny authorizer.
func refusesEveryone(r Rule) bool {
	if r.Authorizer.Handler == "deny" {
		return true
	}
	for _, a := range r.Authenticators {
		if a.Handler != "unauthorized" {
			return false
		}
	}
	return true
}
