package render_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
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
			"traits":               map[string]any{"email": `a@b.c", "groups": ["admins`},
			"metadata_public":      map[string]any{"groups": []any{`staff"]`, "x"}},
			"verifiable_addresses": []any{map[string]any{"value": `a@b.c", "groups": ["admins`, "verified": true, "via": "email"}},
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

// oathkeeperSession is the part of Oathkeeper's AuthenticationSession the
// templates read.
type oathkeeperSession struct {
	Subject      string
	Extra        map[string]any
	MatchContext struct {
		URL    *url.URL
		Header http.Header
	}
}

// TestMethodParameterRefused: every allowing rule's header mutator fails
// (Oathkeeper then forwards nothing) when the query names a method, in
// any spelling a framework decodes to _method, and prints nothing
// otherwise.
func TestMethodParameterRefused(t *testing.T) {
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(`apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev}
spec:
  domain: example.com
  services:
    - {name: a, hosts: [a.example.com], upstream: {url: "http://up:80"}, allow: [anonymous], forward: {mode: passthrough}}
    - {name: b, hosts: [b.example.com], upstream: {url: "http://up:80"}, allow: [session]}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range render.BuildRules(p).Rules {
		if r.Authorizer.Handler == "deny" {
			continue
		}
		tmpl := r.Mutators[len(r.Mutators)-1].Config["headers"].(map[string]string)["X-Http-Method-Override"]
		for query, refused := range map[string]bool{"": false, "x=1": false, "method=DELETE": false, "_method=DELETE": true,
			"a=1&_method=PUT": true, "%5Fmethod=DELETE": true, "_method": true, "_Method=DELETE": false} {
			var sess oathkeeperSession
			sess.MatchContext.URL = &url.URL{Scheme: "https", Host: "a.example.com", Path: "/x", RawQuery: query}
			var out bytes.Buffer
			err := oathkeeperTemplate(t, tmpl).Execute(&out, sess)
			if (err != nil) != refused || out.String() != "" {
				t.Errorf("rule %s, query %q: error %v, output %q; want refused %t", r.ID, query, err, out.String(), refused)
			}
		}
	}
}

// TestRuleTemplatesForIdentitiesAsPeopleAre executes every template of the
// header, reissue and remote_json handlers for identities as Kratos
// returns them for people who were not bootstrapped: no metadata_public
// (null), no name, an unverified or changed email, odd shapes an admin
// could store. None may fail (Oathkeeper answers a failing template with
// 500), and only a verified address is ever forwarded.
func TestRuleTemplatesForIdentitiesAsPeopleAre(t *testing.T) {
	const yml = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: dev}
spec:
  domain: example.com
  services:
    - name: headers
      hosts: [a.example.com]
      upstream: {url: "http://up:80"}
      allow: [session]
      requiredGroups: [admins]
      forward:
        mode: headers
        headers: {preferredUsername: X-Name}
        claims: {preferredUsername: traits.name}
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
	rs := render.BuildRules(p)
	verified := func(v string) any { return []any{map[string]any{"value": v, "verified": true, "via": "email"}} }
	cases := []struct {
		name                 string
		identity             any
		email, groups, uname string
	}{
		{"bootstrapped", map[string]any{"traits": map[string]any{"email": "a@example.com", "name": "A"},
			"metadata_public": map[string]any{"groups": []any{"admins"}}, "verifiable_addresses": verified("a@example.com")},
			"a@example.com", "admins", "A"},
		{"self-registered: metadata_public null, no name", map[string]any{"traits": map[string]any{"email": "b@example.com"},
			"metadata_public": nil, "verifiable_addresses": verified("b@example.com")}, "b@example.com", "", "b@example.com"},
		{"unverified email", map[string]any{"traits": map[string]any{"email": "c@example.com"}, "metadata_public": nil,
			"verifiable_addresses": []any{map[string]any{"value": "c@example.com", "verified": false}}}, "", "", ""},
		{"email changed in settings to an unverified address", map[string]any{"traits": map[string]any{"email": "ceo@example.com", "name": "admin"},
			"verifiable_addresses": []any{map[string]any{"value": "ceo@example.com", "verified": false}, map[string]any{"value": "d@example.com", "verified": true}}},
			"", "", "admin"},
		{"address case differs", map[string]any{"traits": map[string]any{"email": " E@Example.com"}, "verifiable_addresses": verified("e@example.com")},
			"e@example.com", "", "e@example.com"},
		{"SSO-only: no addresses at all", map[string]any{"traits": map[string]any{"email": "f@example.com"}}, "", "", ""},
		{"odd shapes", map[string]any{"traits": "x", "metadata_public": []any{"admins"}, "verifiable_addresses": "x"}, "", "", ""},
		{"groups not a list", map[string]any{"traits": map[string]any{}, "metadata_public": map[string]any{"groups": "admins"}}, "", "", ""},
		{"no identity", nil, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sess := oathkeeperSession{Subject: "id-1", Extra: map[string]any{"identity": c.identity}}
			sess.MatchContext.URL, _ = url.Parse("https://a.example.com/x?y=1")
			run := func(text string) string {
				var out bytes.Buffer
				if err := oathkeeperTemplate(t, text).Execute(&out, sess); err != nil {
					t.Fatalf("template fails (Oathkeeper would answer 500): %v", err)
				}
				return out.String()
			}
			for _, r := range rs.Rules {
				if r.Authorizer.Handler == "remote_json" {
					var m map[string]any
					if err := json.Unmarshal([]byte(run(r.Authorizer.Config["payload"].(string))), &m); err != nil {
						t.Fatalf("payload is not JSON: %v", err)
					}
					if g := fmt.Sprint(m["groups"]); g != fmt.Sprint(strings.Split(c.groups, ",")) && !(c.groups == "" && g == "[]") {
						t.Errorf("payload groups %s, want %q", g, c.groups)
					}
				}
				for _, m := range r.Mutators {
					switch m.Handler {
					case "header":
						hs := m.Config["headers"].(map[string]string)
						for k, v := range hs {
							got := run(v)
							want := map[string]string{"X-User-Email": c.email, "X-User-Groups": c.groups, "X-Name": c.uname}
							if w, ok := want[k]; ok && r.ID == "dev:headers" && got != w {
								t.Errorf("%s = %q, want %q", k, got, w)
							}
						}
					case "id_token":
						var claims map[string]any
						if err := json.Unmarshal([]byte(run(m.Config["claims"].(string))), &claims); err != nil {
							t.Fatalf("claims are not JSON: %v", err)
						}
						if claims["email"] != c.email {
							t.Errorf("claims email %q, want %q", claims["email"], c.email)
						}
					}
				}
			}
		})
	}
}
