package render_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	authcel "k8s.io/apiserver/pkg/authentication/cel"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/serve/authz"
)

const mfaProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev}
spec:
  domain: example.com
  kratos: {methods: [password, totp, lookup_secret]}
  kubernetes: {requireMFA: true}
  services:
    - name: admin
      hosts: [admin.example.com]
      upstream: {url: "http://up:80"}
      allow: [session, bearer]
      mfa: required
    - name: ops
      hosts: [ops.example.com]
      upstream: {url: "http://up:80"}
      allow: [session]
      requiredGroups: [ops]
      mfa: required
    - name: plain
      hosts: [plain.example.com]
      upstream: {url: "http://up:80"}
      allow: [session]
`

func parseMFA(t *testing.T, text string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMFARules: a service with mfa: required asks authctl's authz with the
// session's assurance level (read by Oathkeeper from Kratos' whoami, never
// from the request) and sends a refused browser to the step-up page; a
// service without it is unchanged. The payload, run as Oathkeeper runs it,
// is decided by the authz code: aal1 refused, aal2 allowed, a session
// without the field (or with a hostile value) refused.
func TestMFARules(t *testing.T) {
	p := parseMFA(t, mfaProfile)
	rs := render.BuildRules(p)
	rules := map[string]render.Rule{}
	for _, r := range rs.Rules {
		rules[r.ID] = r
	}
	decide := func(r render.Rule, extra map[string]any) bool {
		t.Helper()
		var buf bytes.Buffer
		if err := oathkeeperTemplate(t, r.Authorizer.Config["payload"].(string)).Execute(&buf, session{Subject: "id-1", Extra: extra}); err != nil {
			t.Fatal(err)
		}
		var req authz.Request
		if err := json.Unmarshal(buf.Bytes(), &req); err != nil {
			t.Fatalf("payload %s: %v", buf.String(), err)
		}
		return req.Allowed()
	}
	groups := func(g ...any) map[string]any { return map[string]any{"metadata_public": map[string]any{"groups": g}} }
	for _, tc := range []struct {
		rule  string
		extra map[string]any
		want  bool
	}{
		{"dev:admin", map[string]any{"authenticator_assurance_level": "aal2", "identity": map[string]any{}}, true},
		{"dev:admin", map[string]any{"authenticator_assurance_level": "aal1", "identity": map[string]any{}}, false},
		{"dev:admin", map[string]any{"identity": map[string]any{}}, false},
		{"dev:admin", map[string]any{"authenticator_assurance_level": `aal2", "mfa": false, "x": "`}, false},
		{"dev:admin", map[string]any{"authenticator_assurance_level": []any{"aal2"}}, false},
		{"dev:ops", map[string]any{"authenticator_assurance_level": "aal2", "identity": groups("ops")}, true},
		{"dev:ops", map[string]any{"authenticator_assurance_level": "aal1", "identity": groups("ops")}, false},
		{"dev:ops", map[string]any{"authenticator_assurance_level": "aal2", "identity": groups("dev")}, false},
	} {
		if got := decide(rules[tc.rule], tc.extra); got != tc.want {
			t.Errorf("%s with %v: allowed %v, want %v", tc.rule, tc.extra, got, tc.want)
		}
	}
	if h := rules["dev:plain"].Authorizer.Handler; h != "allow" {
		t.Errorf("a service without mfa asks %s", h)
	}
	stepUp := func(r render.Rule) string {
		for _, h := range r.Errors {
			when, _ := json.Marshal(h.Config["when"])
			if h.Handler == "redirect" && strings.Contains(string(when), "forbidden") {
				return h.Config["to"].(string)
			}
		}
		return ""
	}
	if got := stepUp(rules["dev:admin"]); got != "https://auth.example.com/step-up" {
		t.Errorf("a refused browser on an mfa service goes to %q, want the step-up page", got)
	}
	// Not the login page: it would send a signed-in person straight back
	// (the redirect loop TestClusterUILogin found).
	if got := stepUp(rules["dev:plain"]); got != "https://auth.example.com/forbidden" {
		t.Errorf("a refused browser on a plain service goes to %q, want the access-denied page", got)
	}
	// Ory's UI has no step-up page: Kratos' own aal2 login.
	// (validate refuses requiredGroups with mfa there: ops drops them.)
	oryText := strings.Replace(mfaProfile, "      requiredGroups: [ops]\n", "", 1)
	ory := parseMFA(t, strings.Replace(oryText, "  kubernetes:", "  ui: {implementation: ory}\n  kubernetes:", 1))
	for _, r := range render.BuildRules(ory).Rules {
		if r.ID == "dev:admin" {
			if got := stepUp(r); got != "https://id.example.com/self-service/login/browser?aal=aal2" {
				t.Errorf("with Ory's UI a refused browser goes to %q", got)
			}
		}
		if r.ID == "dev:plain" {
			if got := stepUp(r); got != "" {
				t.Errorf("with Ory's UI (no access-denied page) a refused browser is sent to %q, want the JSON 403", got)
			}
		}
	}
}

// TestRequireMFAClaimRule: requireMFA adds one claim validation rule on
// amr listing the profile's second factors; without it there is none.
func TestRequireMFAClaimRule(t *testing.T) {
	rules := func(p *profile.Profile) []any {
		jwt := render.AuthenticationConfiguration(p)["jwt"].([]any)[0].(map[string]any)
		r, _ := jwt["claimValidationRules"].([]any)
		return r
	}
	got := rules(parseMFA(t, mfaProfile))
	if len(got) != 1 {
		t.Fatalf("claimValidationRules = %v", got)
	}
	expr := got[0].(map[string]any)["expression"].(string)
	for _, want := range []string{"dyn(claims.amr).exists(m, m in ['totp', 'lookup_secret'])", "claims.sub == claims.client_id"} {
		if !strings.Contains(expr, want) {
			t.Errorf("the rule %q lacks %q", expr, want)
		}
	}
	if got := rules(parseMFA(t, strings.Replace(mfaProfile, "requireMFA: true", "requireMFA: false", 1))); got != nil {
		t.Errorf("without requireMFA: %v", got)
	}
	// The rule compiles in the API server's own CEL environment for
	// claims (claims is map(string, any): a list claim needs dyn(); the
	// real kube-apiserver refused to start with claims.amr.exists).
	if _, err := authcel.NewDefaultCompiler().CompileClaimsExpression(&authcel.ClaimValidationCondition{Expression: expr}); err != nil {
		t.Errorf("the API server's CEL compiler refuses %q: %v", expr, err)
	}
}
