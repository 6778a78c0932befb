package render_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// oathkeeperTemplate parses a rule template the way Oathkeeper v0.40.9 does
// (x/template.go: missingkey=zero, print, printIndex, sprig's TxtFuncMap).
func oathkeeperTemplate(t *testing.T, text string) *template.Template {
	t.Helper()
	tpl, err := template.New("rule").Option("missingkey=zero").Funcs(template.FuncMap{
		"print": func(i any) string {
			if i == nil {
				return ""
			}
			return fmt.Sprintf("%v", i)
		},
	}).Funcs(sprig.TxtFuncMap()).Parse(text)
	if err != nil {
		t.Fatalf("template %q does not parse: %v", text, err)
	}
	return tpl
}

type session struct {
	Subject string
	Extra   map[string]any
}

// TestRuleTemplatesEscapeJSON executes the JSON templates of the rules
// (remote_json payload, id_token claims) with hostile values: a subject, an
// email and groups that try to close the string and add a claim, and
// profile values holding quotes and "{{". The output must be valid JSON
// carrying exactly the input values.
func TestRuleTemplatesEscapeJSON(t *testing.T) {
	const yml = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev}
spec:
  domain: example.com
  services:
    - name: groups
      hosts: [a.example.com]
      upstream: {url: "http://up:80"}
      allow: [session]
      requiredGroups: [admins]
    - name: token
      hosts: [b.example.com]
      upstream: {url: "http://up:80"}
      allow: [session]
      forward: {mode: reissue, audience: [reports]}
`
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	// Values no validation would let through, to show the escaping holds
	// on its own.
	hostileGroup := `ops", "admins`
	hostileAudience := `reports"], "admin": true, "x": ["{{ .Subject }}`
	p.Spec.Services[0].RequiredGroups = []string{hostileGroup, "{{ .Subject }}"}
	p.Spec.Services[1].Forward.Audience = []string{hostileAudience}
	sess := session{
		Subject: `evil", "groups": ["admins"], "x": "`,
		Extra: map[string]any{"identity": map[string]any{
			"traits":          map[string]any{"email": `a@b.c", "groups": ["admins`},
			"metadata_public": map[string]any{"groups": []any{`staff"]`, "x"}},
		}},
	}
	rs := render.BuildRules(p)
	var payload, claims string
	for _, r := range rs.Rules {
		if r.Authorizer.Handler == "remote_json" {
			payload = r.Authorizer.Config["payload"].(string)
		}
		for _, m := range r.Mutators {
			if m.Handler == "id_token" {
				claims = m.Config["claims"].(string)
			}
		}
	}
	if payload == "" || claims == "" {
		t.Fatal("no remote_json payload or id_token claims rendered")
	}
	run := func(text string) map[string]any {
		var out bytes.Buffer
		if err := oathkeeperTemplate(t, text).Execute(&out, sess); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out.String())
		}
		return m
	}
	got := run(payload)
	if got["subject"] != sess.Subject {
		t.Errorf("payload subject %q, want %q", got["subject"], sess.Subject)
	}
	if req := fmt.Sprint(got["required"]); req != fmt.Sprint([]any{hostileGroup, "{{ .Subject }}"}) {
		t.Errorf("payload required %s, want the profile's groups verbatim", req)
	}
	if g := fmt.Sprint(got["groups"]); g != fmt.Sprint([]any{`staff"]`, "x"}) {
		t.Errorf("payload groups %s", g)
	}
	c := run(claims)
	if fmt.Sprint(c["aud"]) != fmt.Sprint([]any{hostileAudience}) {
		t.Errorf("claims aud %v, want the profile's audience verbatim", c["aud"])
	}
	if c["email"] != `a@b.c", "groups": ["admins` {
		t.Errorf("claims email %q", c["email"])
	}
	if _, injected := c["admin"]; injected || slices.Contains(c["groups"].([]any), any("admins")) {
		t.Errorf("a value escaped its string: %v", c)
	}
}
