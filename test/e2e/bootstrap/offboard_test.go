package bootstrap_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// Two identity schemas the test adds to the rendered Kratos config (the
// rendered default stays the default): people as some organisations keep
// them. ssoOnlySchema knows the email only as an address to verify and
// recover (its people sign in through SSO, so it is no credential
// identifier); plainSchema keeps it as a bare trait (a contractor account).
const (
	ssoOnlySchema = `{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
  "properties": {"traits": {"type": "object", "properties": {
    "email": {"type": "string", "format": "email",
      "ory.sh/kratos": {"verification": {"via": "email"}, "recovery": {"via": "email"}}}},
    "required": ["email"]}}}`
	plainSchema = `{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
  "properties": {"traits": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}}}`
)

// TestOffboardFindsPeopleAsTheyAre: authctl offboard on the real Kratos
// (rendered from examples/staff-sso.yaml, Google SSO) and Hydra finds
// identities that have only OIDC credentials (no password, no
// metadata_public) by their email and by provider:subject (a subject in
// mixed case, as providers give them), also when the email is no credential
// identifier; an address that names two identities is refused and neither
// changes.
func TestOffboardFindsPeopleAsTheyAre(t *testing.T) {
	stack.Require(t)
	bin := e2e.Authctl(t)
	r := e2e.RenderedExample(t, "staff-sso")
	dir := t.TempDir()
	kratos := e2e.StartKratos(t, r, func(cfg map[string]any) {
		schemas := e2e.Get(cfg, "identity.schemas").([]any)
		for id, doc := range map[string]string{"sso-only": ssoOnlySchema, "plain": plainSchema} {
			schemas = append(schemas, map[string]any{"id": id, "url": "file://" + e2e.WriteFile(t, dir, id+".schema.json", []byte(doc))})
		}
		e2e.Set(cfg, "identity.schemas", schemas)
	})
	t.Log("kratos: two identity schemas added to the rendered config (sso-only, plain)")
	hydra := stack.StartHydra(t, stack.HydraOptions{Config: e2e.HydraConfig(t, r)})
	e2e.LogRewrites(t, "hydra", e2e.HydraRewrites, hydra.Rewrites())
	caFile := e2e.WriteFile(t, dir, "hydra-ca.pem", hydra.CAPEM)
	admin := bsAdmin{t: t, base: kratos.AdminURL}

	create := func(schema string, traits, credentials map[string]any) string {
		t.Helper()
		body := map[string]any{"schema_id": schema, "traits": traits}
		if credentials != nil {
			body["credentials"] = credentials
		}
		code, b := admin.do(http.MethodPost, "/admin/identities", body)
		if code != http.StatusCreated {
			t.Fatalf("create %v: HTTP %d: %s", traits, code, b)
		}
		var out struct{ ID string }
		_ = json.Unmarshal(b, &out)
		return out.ID
	}
	google := func(subject string) map[string]any {
		return map[string]any{"oidc": map[string]any{"config": map[string]any{
			"providers": []any{map[string]any{"provider": "google", "subject": subject}}}}}
	}
	state := func(id string) string {
		t.Helper()
		code, b := admin.do(http.MethodGet, "/admin/identities/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("GET identity %s: HTTP %d: %s", id, code, b)
		}
		var i struct{ State string }
		_ = json.Unmarshal(b, &i)
		return i.State
	}
	reactivate := func(id string) {
		t.Helper()
		if code, b := admin.do(http.MethodPatch, "/admin/identities/"+id, []any{map[string]any{"op": "replace", "path": "/state", "value": "active"}}); code != http.StatusOK {
			t.Fatalf("reactivate: HTTP %d: %s", code, b)
		}
	}
	type result struct {
		Identifier, ID, Action, Error string
		Via, Candidates               []string
	}
	offboard := func(identifier string) (e2e.Result, []result) {
		t.Helper()
		res := e2e.Run(t, bin, nil, "offboard", identifier, "--kratos-admin-url", kratos.AdminURL,
			"--hydra-admin-url", hydra.AdminURL, "--ca-file", caFile, "-o", "json")
		var out []result
		if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil || len(out) != 1 {
			t.Fatalf("offboard %s: exit %d, stdout is not one result: %v\n%s\n%s", identifier, res.Code, err, res.Stdout, res.Stderr)
		}
		return res, out
	}
	// What GET /admin/identities?credentials_identifier= finds, for the log.
	byCredential := func(v string) int {
		code, b := admin.do(http.MethodGet, "/admin/identities?credentials_identifier="+url.QueryEscape(v), nil)
		var list []any
		if code != http.StatusOK || json.Unmarshal(b, &list) != nil {
			t.Fatalf("credentials_identifier=%s: HTTP %d: %s", v, code, b)
		}
		return len(list)
	}

	// Someone who signs in only through Google, on the schema authctl renders.
	const subject = "108Ab7cD9"
	sso := create("default", map[string]any{"email": "sso.person@corp.example.com"}, google(subject))
	for _, identifier := range []string{"SSO.Person@corp.example.com", "google:" + subject} {
		res, out := offboard(identifier)
		if res.Code != 0 || out[0].ID != sso || out[0].Action != "deactivated" || state(sso) != "inactive" {
			t.Fatalf("offboard %s: exit %d, %+v, state %s\n%s", identifier, res.Code, out[0], state(sso), res.Stderr)
		}
		t.Logf("offboard %s: %+v", identifier, out[0])
		reactivate(sso)
	}
	// The subject is case-sensitive in Kratos: another case is someone else.
	if res, out := offboard("google:" + strings.ToLower(subject)); res.Code != 1 || out[0].Action != "not found" || state(sso) != "active" {
		t.Fatalf("offboard of the subject in lower case: exit %d, %+v", res.Code, out[0])
	}

	// An SSO-only person whose email is no credential identifier: Kratos'
	// credentials_identifier cannot find them; their address does.
	ssoOnly := create("sso-only", map[string]any{"email": "only.sso@corp.example.com"}, google("2000777"))
	t.Logf("credentials_identifier=only.sso@corp.example.com finds %d identities", byCredential("only.sso@corp.example.com"))
	if res, out := offboard("only.sso@corp.example.com"); res.Code != 0 || out[0].ID != ssoOnly || state(ssoOnly) != "inactive" ||
		strings.Join(out[0].Via, ",") != "traits.email,verifiable address,recovery address" {
		t.Fatalf("offboard by address: exit %d, %+v\n%s", res.Code, out[0], res.Stderr)
	}

	// One address, two identities: refused, neither changes.
	employee := create("default", map[string]any{"email": "twice@corp.example.com"}, google("3000888"))
	contractor := create("plain", map[string]any{"email": "twice@corp.example.com"}, nil)
	before := admin.state("/admin/identities/"+employee) + admin.state("/admin/identities/"+contractor)
	res, out := offboard("twice@corp.example.com")
	if res.Code != 1 || out[0].Action != "ambiguous" || out[0].ID != "" || len(out[0].Candidates) != 2 ||
		!strings.Contains(out[0].Error, "names 2 identities") || !strings.Contains(out[0].Error, "nothing was changed") ||
		!strings.Contains(res.Stderr, "try: authctl offboard ID") {
		t.Fatalf("ambiguous address: exit %d, %+v\n%s", res.Code, out[0], res.Stderr)
	}
	if after := admin.state("/admin/identities/"+employee) + admin.state("/admin/identities/"+contractor); after != before {
		t.Fatalf("an ambiguous offboard changed an identity:\nbefore %s\nafter  %s", before, after)
	}
	t.Logf("ambiguous: %s", strings.TrimSpace(res.Stderr))
	// By id, the one meant.
	if res, out := offboard(contractor); res.Code != 0 || out[0].ID != contractor || state(contractor) != "inactive" || state(employee) != "active" {
		t.Fatalf("offboard by id: exit %d, %+v", res.Code, out[0])
	}
}
