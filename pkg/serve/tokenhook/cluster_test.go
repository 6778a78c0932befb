package tokenhook

import (
	"net/http"
	"testing"
)

// TestTokenHookClusterClaim: a refresh that asks for one cluster the
// login was granted gets it in the id_token; the tricks get no claim: a
// code exchange (the login's own token), a cluster not granted, two
// clusters, the claim planted by a consent app, and a later refresh
// without the scope (the session carries the last claim: it is dropped).
func TestTokenHookClusterClaim(t *testing.T) {
	h := newHook(t, Config{})
	granted := []string{"openid", "offline_access", "cluster:dev", "cluster:prod"}
	for name, c := range map[string]struct {
		call hookCall
		want any
	}{
		"refresh for prod":        {hookCall{subject: "alice", grant: "refresh_token", granted: granted, scopeParam: "openid cluster:prod"}, "prod"},
		"code exchange":           {hookCall{subject: "alice", grant: "authorization_code", requested: granted, scopeParam: "openid cluster:prod"}, nil},
		"not granted":             {hookCall{subject: "alice", grant: "refresh_token", granted: granted, scopeParam: "openid cluster:staging"}, nil},
		"two clusters":            {hookCall{subject: "alice", grant: "refresh_token", granted: granted, scopeParam: "cluster:dev cluster:prod"}, nil},
		"same cluster twice":      {hookCall{subject: "alice", grant: "refresh_token", granted: granted, scopeParam: "cluster:dev cluster:dev"}, "dev"},
		"planted by consent":      {hookCall{subject: "alice", grant: "refresh_token", granted: granted, consentClaims: map[string]any{"cluster": "prod"}}, nil},
		"previous claim, no ask":  {hookCall{subject: "alice", grant: "refresh_token", granted: granted, consentClaims: map[string]any{"cluster": "dev"}, scopeParam: "openid"}, nil},
		"previous claim, new ask": {hookCall{subject: "alice", grant: "refresh_token", granted: granted, consentClaims: map[string]any{"cluster": "dev"}, scopeParam: "openid cluster:prod"}, "prod"},
		"prefix only":             {hookCall{subject: "alice", grant: "refresh_token", granted: append(granted, "cluster:"), scopeParam: "cluster:"}, nil},
	} {
		code, out := callHook(t, h, c.call)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d", name, code)
		}
		if got := idToken(t, out)[ClusterClaim]; got != c.want {
			t.Errorf("%s: cluster claim %v, want %v", name, got, c.want)
		}
	}
}
