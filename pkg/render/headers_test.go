package render_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

const renamedHeadersProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: tools
spec:
  domain: example.com
  kubernetes: {enabled: false}
  services:
    - name: grafana
      hosts: [grafana.example.com]
      upstream: {service: grafana, port: 3000}
      allow: [session]
      forward: {mode: headers, headers: {preferredUsername: Remote-User}}
    - name: docs
      hosts: [docs.example.com]
      upstream: {service: docs, port: 80}
      allow: [jwt]
      audience: [https://docs.example.com]
      forward:
        mode: headers
        headers: {subject: x-auth-request-user, email: X-Auth-Request-Email, groups: X-Auth-Request-Groups, preferredUsername: X-Auth-Request-Preferred-Username}
    - name: public
      hosts: [www.example.com]
      upstream: {service: www, port: 80}
      allow: [anonymous]
`

// TestRenamedHeadersAreNeutralizedEverywhere: the identity header names of
// every service, renamed or not, are set by every allowing rule and removed
// by the gateway, so no upstream sees a client's copy of any of them.
func TestRenamedHeadersAreNeutralizedEverywhere(t *testing.T) {
	p, err := profile.Parse("p.yaml", "", []byte(renamedHeadersProfile))
	if err != nil {
		t.Fatal(err)
	}
	rs := render.BuildRules(p)
	for _, h := range []string{"x-user-id", "x-user-email", "x-user-groups", "x-authctl-gateway-secret", "remote-user", "x-auth-request-user",
		"x-auth-request-email", "x-auth-request-groups", "x-auth-request-preferred-username", "x-original-url"} {
		if !slices.Contains(rs.Neutralized, h) {
			t.Errorf("%s is not neutralized: %v", h, rs.Neutralized)
		}
		if !slices.Contains(rs.UpstreamHeaders, h) {
			t.Errorf("%s is not copied to upstreams: %v", h, rs.UpstreamHeaders)
		}
	}
	for _, r := range rs.Rules {
		if r.Authorizer.Handler == "deny" {
			continue
		}
		var set map[string]string
		for _, m := range r.Mutators {
			if m.Handler == "header" {
				set = m.Config["headers"].(map[string]string)
			}
		}
		for _, h := range rs.Neutralized {
			found := false
			for k := range set {
				found = found || strings.EqualFold(k, h)
			}
			if !found {
				t.Errorf("rule %s does not set %s", r.ID, h)
			}
		}
	}
	// Each header's template reads these fields, in this order ("" means
	// the header is set empty); TestRuleTemplatesForIdentitiesAsPeopleAre
	// runs them.
	want := map[string]map[string][]string{
		"tools:grafana": {"X-User-Id": {"{{ print .Subject }}"}, "Remote-User": {`"traits" }}{{ if kindIs "map" . }}{{ with index . "username"`, `"verifiable_addresses"`}, "X-Auth-Request-Email": {""}},
		"tools:docs":    {"X-Auth-Request-User": {"{{ print .Subject }}"}, "X-Auth-Request-Email": {`index . "email"`, `index . "email_verified"`}, "X-User-Id": {""}, "Remote-User": {""}, "X-Auth-Request-Preferred-Username": {`index . "preferred_username"`, `index . "email_verified"`}},
		"tools:public":  {"Remote-User": {""}, "X-Auth-Request-User": {""}},
	}
	for _, r := range rs.Rules {
		for h, parts := range want[r.ID] {
			got := r.Mutators[len(r.Mutators)-1].Config["headers"].(map[string]string)[h]
			rest := got
			for _, part := range parts {
				i := strings.Index(rest, part)
				if i < 0 || (part == "" && got != "") {
					t.Errorf("rule %s sets %s to %q, want it to read %q", r.ID, h, got, parts)
					break
				}
				rest = rest[i+len(part):]
			}
		}
	}
	boot, _ := json.Marshal(render.EnvoyBootstrap(p, rs))
	for _, h := range []string{`{"remove":"remote-user"}`, `{"remove":"x-auth-request-email"}`, `{"exact":"x-auth-request-preferred-username"}`} {
		if !strings.Contains(string(boot), h) {
			t.Errorf("the Envoy bootstrap lacks %s", h)
		}
	}
}

// TestHeaderNameLint: renamed headers never take a reserved or a duplicate
// name, and apply to the headers mode only.
func TestHeaderNameLint(t *testing.T) {
	base := strings.Split(renamedHeadersProfile, "    - name: docs")[0]
	cases := []struct{ forward, want string }{
		{"{mode: headers, headers: {email: Authorization}}", "forward.headers.email: Authorization is reserved"},
		{"{mode: headers, headers: {subject: X-Forwarded-User}}", "X-Forwarded-User is reserved"},
		{"{mode: headers, headers: {email: X-A, groups: x-a}}", "forward.headers.groups: x-a is already the email header"},
		{"{mode: passthrough, headers: {email: X-A}}", "header names apply to the headers mode only"},
		{"{mode: headers, headers: {email: X_A}}", "use letters, digits and '-'"},
	}
	for _, tc := range cases {
		text := strings.Replace(base, "forward: {mode: headers, headers: {preferredUsername: Remote-User}}", "forward: "+tc.forward, 1)
		_, err := profile.Parse("p.yaml", "", []byte(text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v does not contain %q", tc.forward, err, tc.want)
		}
	}
}
