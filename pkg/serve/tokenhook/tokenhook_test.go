package tokenhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const testKey = "hook-key-0123456789abcdef"

// fakeKratosIdentities serves identities in the shape of Kratos v1.3.1's
// GET /admin/identities/{id}. It is an in-process fake only to produce
// identity states cheaply; the real path is covered by test/e2e
// TestKubectlOIDCLogin (offboarding subtests) against real Kratos.
func fakeKratosIdentities(t *testing.T) string {
	t.Helper()
	kratos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/admin/identities/alice":
			_, _ = w.Write([]byte(`{"id":"alice","state":"active","traits":{"email":"alice@example.com"},"metadata_public":{"groups":["admins","dev"]},
				"verifiable_addresses":[{"value":"Alice@example.com","verified":true}]}`))
		case "/admin/identities/bob":
			_, _ = w.Write([]byte(`{"id":"bob","state":"active","traits":{"email":"bob@example.com"},"metadata_public":{"groups":"viewers"}}`))
		case "/admin/identities/leaver":
			_, _ = w.Write([]byte(`{"id":"leaver","state":"inactive","traits":{"email":"leaver@example.com"},"metadata_public":{"groups":["admins"]}}`))
		case "/admin/identities/stateless":
			_, _ = w.Write([]byte(`{"id":"stateless","traits":{"email":"s@example.com"},"metadata_public":{"groups":["admins"]}}`))
		case "/admin/identities/broken":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(kratos.Close)
	return kratos.URL
}

type hookCall struct {
	subject   string
	grant     string
	requested []string
	granted   []string
	key       *string // nil: the right key
	// consentClaims are claims a consent app put into the session.
	consentClaims map[string]any
	// scopeParam is the token request's scope parameter.
	scopeParam string
}

func ext(c hookCall) map[string]any {
	out := map[string]any{"keep": "me"}
	for k, v := range c.consentClaims {
		out[k] = v
	}
	return out
}

func callHook(t *testing.T, h http.Handler, c hookCall) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"session": map[string]any{"id_token": map[string]any{"subject": c.subject, "id_token_claims": map[string]any{"ext": ext(c)}}, "extra": map[string]any{"a": "b"}},
		"request": map[string]any{"client_id": "kubectl", "requested_scopes": c.requested, "granted_scopes": c.granted, "grant_types": []string{c.grant},
			"payload": map[string][]string{"grant_type": {c.grant}, "scope": {c.scopeParam}}},
	})
	req := httptest.NewRequest(http.MethodPost, TokenHookPath, bytes.NewReader(body))
	if c.key == nil {
		req.Header.Set(APIKeyHeader, testKey)
	} else if *c.key != "" {
		req.Header.Set(APIKeyHeader, *c.key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func idToken(t *testing.T, out map[string]any) map[string]any {
	t.Helper()
	s, _ := out["session"].(map[string]any)
	idt, _ := s["id_token"].(map[string]any)
	if idt == nil {
		t.Fatalf("no session.id_token in %v", out)
	}
	return idt
}

func newHook(t *testing.T, cfg Config) http.Handler {
	t.Helper()
	if cfg.KratosAdminURL == "" {
		cfg.KratosAdminURL = fakeKratosIdentities(t)
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	h, err := NewTokenHook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestTokenHookClaims(t *testing.T) {
	h := newHook(t, Config{})
	all := []string{"openid", "offline_access", "email", "groups"}
	code, out := callHook(t, h, hookCall{subject: "alice", grant: "refresh_token", requested: all, granted: all})
	want := map[string]any{"keep": "me", "email": "alice@example.com", "email_verified": true, "groups": []any{"admins", "dev"}}
	if idt := idToken(t, out); code != http.StatusOK || !reflect.DeepEqual(idt, want) {
		t.Fatalf("alice: %d %v", code, idt)
	}
	if at := out["session"].(map[string]any)["access_token"]; !reflect.DeepEqual(at, map[string]any{"a": "b"}) {
		t.Fatalf("access token extra not kept: %v", at)
	}
	_, out = callHook(t, h, hookCall{subject: "bob", grant: "refresh_token", granted: []string{"openid", "groups"}})
	if idt := idToken(t, out); idt["email"] != nil || !reflect.DeepEqual(idt["groups"], []any{"viewers"}) {
		t.Fatalf("bob (no email scope): %v", idt)
	}
	_, out = callHook(t, h, hookCall{subject: "bob", grant: "authorization_code", requested: []string{"openid", "email"}})
	if idt := idToken(t, out); idt["email"] != "bob@example.com" || idt["email_verified"] != false || idt["groups"] != nil {
		t.Fatalf("bob (code exchange, email only, unverified): %v", idt)
	}
}

// Claims follow the scopes Hydra sends, never a default: the trick is a
// code exchange with empty granted_scopes (what Hydra v2.3.0 sends), which
// the hook once filled with every claim for any client.
func TestTokenHookClaimsFollowScopes(t *testing.T) {
	h := newHook(t, Config{})
	for name, c := range map[string]hookCall{
		"code exchange, openid only":          {subject: "alice", grant: "authorization_code", requested: []string{"openid"}},
		"code exchange, openid offline":       {subject: "alice", grant: "authorization_code", requested: []string{"openid", "offline_access"}},
		"refresh, openid only granted":        {subject: "alice", grant: "refresh_token", requested: []string{"openid", "email", "groups"}, granted: []string{"openid"}},
		"refresh, nothing granted, requested": {subject: "alice", grant: "refresh_token", requested: []string{"openid", "email", "groups"}},
	} {
		t.Run(name, func(t *testing.T) {
			code, out := callHook(t, h, c)
			if code == http.StatusNoContent {
				return // nothing added at all
			}
			idt := idToken(t, out)
			if idt["email"] != nil || idt["email_verified"] != nil || idt["groups"] != nil {
				t.Fatalf("claims without their scope: %v", idt)
			}
		})
	}
	// Claims a consent app put into the session do not bypass the scopes.
	_, out := callHook(t, h, hookCall{subject: "alice", grant: "authorization_code", requested: []string{"openid"},
		consentClaims: map[string]any{"groups": []any{"cluster-admins"}, "email": "x@example.com", "email_verified": true}})
	if idt := idToken(t, out); idt["groups"] != nil || idt["email"] != nil || idt["email_verified"] != nil || idt["keep"] != "me" {
		t.Fatalf("consent claims passed through without their scopes: %v", idt)
	}
	// A profile-named groups scope: "groups" alone no longer releases them.
	h = newHook(t, Config{GroupsScope: "kube-groups"})
	_, out = callHook(t, h, hookCall{subject: "alice", grant: "authorization_code", requested: []string{"openid", "groups"}})
	if idt := idToken(t, out); idt["groups"] != nil {
		t.Fatalf("groups released by the wrong scope: %v", idt)
	}
	_, out = callHook(t, h, hookCall{subject: "alice", grant: "authorization_code", requested: []string{"openid", "kube-groups"}})
	if idt := idToken(t, out); !reflect.DeepEqual(idt["groups"], []any{"admins", "dev"}) {
		t.Fatalf("groups not released by the profile's scope: %v", idt)
	}
}

// An identity that is not active, or gone, gets no token of any grant:
// the hook answers 403, which Hydra turns into access_denied.
func TestTokenHookDeniesInactiveAndDeleted(t *testing.T) {
	h := newHook(t, Config{})
	for name, c := range map[string]hookCall{
		"inactive refresh":             {subject: "leaver", grant: "refresh_token", granted: []string{"openid", "groups"}},
		"inactive code exchange":       {subject: "leaver", grant: "authorization_code", requested: []string{"openid"}},
		"inactive without openid":      {subject: "leaver", grant: "refresh_token", granted: []string{"offline_access"}},
		"no state (not active)":        {subject: "stateless", grant: "refresh_token", granted: []string{"openid"}},
		"deleted refresh":              {subject: "gone", grant: "refresh_token", granted: []string{"openid"}},
		"deleted without openid scope": {subject: "gone", grant: "refresh_token", granted: []string{"offline_access"}},
	} {
		t.Run(name, func(t *testing.T) {
			if code, out := callHook(t, h, c); code != http.StatusForbidden {
				t.Fatalf("%d %v, want 403", code, out)
			}
		})
	}
	if code, _ := callHook(t, h, hookCall{subject: "broken", grant: "refresh_token", granted: []string{"openid"}}); code != http.StatusBadGateway {
		t.Fatalf("kratos error: %d, want 502 (fail closed)", code)
	}
	if code, _ := callHook(t, h, hookCall{subject: "ci", grant: "client_credentials"}); code != http.StatusNoContent {
		t.Fatalf("client credentials: %d, want 204", code)
	}
	if code, _ := callHook(t, h, hookCall{subject: "bob", grant: "refresh_token", granted: []string{"offline_access"}}); code != http.StatusNoContent {
		t.Fatalf("active, no openid: %d, want 204", code)
	}
}

// Only Hydra, holding the key, is answered: without it nobody learns an
// identity's claims or whether it exists.
func TestTokenHookRequiresAPIKey(t *testing.T) {
	h := newHook(t, Config{})
	for name, key := range map[string]string{
		"no key":        "",
		"wrong key":     "hook-key-0123456789abcdeX",
		"prefix of key": testKey[:len(testKey)-1],
		"key plus more": testKey + "x",
		"other case":    strings.ToUpper(testKey),
	} {
		t.Run(name, func(t *testing.T) {
			for _, subject := range []string{"alice", "gone"} {
				code, out := callHook(t, h, hookCall{subject: subject, grant: "refresh_token", granted: []string{"openid", "email", "groups"}, key: &key})
				if code != http.StatusUnauthorized || out != nil {
					t.Fatalf("%s: %d %v, want a bare 401", subject, code, out)
				}
			}
		})
	}
	if _, err := NewTokenHook(Config{KratosAdminURL: "http://127.0.0.1:1"}); err == nil {
		t.Fatal("a hook without an API key started")
	}
	if _, err := NewTokenHook(Config{KratosAdminURL: "http://127.0.0.1:1", APIKey: "short"}); err == nil {
		t.Fatal("a hook with a short API key started")
	}
	// Health endpoints stay open for the kubelet's probes.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health/ready", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("health: %d", rec.Code)
	}
}

func TestScopes(t *testing.T) {
	code := []string{"authorization_code"}
	if got := Scopes(code, []string{"openid", "email"}, nil); !reflect.DeepEqual(got, []string{"openid", "email"}) {
		t.Fatalf("code exchange: %v", got)
	}
	if got := Scopes([]string{"refresh_token"}, []string{"openid", "email"}, nil); got != nil {
		t.Fatalf("refresh without granted scopes must release nothing: %v", got)
	}
	if got := Scopes(code, []string{"openid", "email", "groups"}, []string{"openid"}); !reflect.DeepEqual(got, []string{"openid"}) {
		t.Fatalf("granted wins: %v", got)
	}
}
