package consent

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// The Kratos admin API is faked here only to produce identities and a
// deleted one; the real path is covered by test/e2e TestKubectlOIDCLogin.
func TestTokenHook(t *testing.T) {
	kratos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/admin/identities/alice":
			_, _ = w.Write([]byte(`{"id":"alice","traits":{"email":"alice@example.com"},"metadata_public":{"groups":["admins","dev"]},
				"verifiable_addresses":[{"value":"Alice@example.com","verified":true}]}`))
		case "/admin/identities/bob":
			_, _ = w.Write([]byte(`{"id":"bob","traits":{"email":"bob@example.com"},"metadata_public":{"groups":"viewers"}}`))
		case "/admin/identities/broken":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer kratos.Close()
	h, err := NewTokenHook(Config{KratosAdminURL: kratos.URL})
	if err != nil {
		t.Fatal(err)
	}
	call := func(subject string, grant string, scopes []string) (int, map[string]any) {
		body, _ := json.Marshal(map[string]any{
			"session": map[string]any{"id_token": map[string]any{"subject": subject, "id_token_claims": map[string]any{"ext": map[string]any{"keep": "me"}}}, "extra": map[string]any{"a": "b"}},
			"request": map[string]any{"client_id": "kubectl", "granted_scopes": scopes, "grant_types": []string{grant}},
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, TokenHookPath, bytes.NewReader(body)))
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	code, out := call("alice", "refresh_token", []string{"openid", "email", "groups"})
	idt := out["session"].(map[string]any)["id_token"].(map[string]any)
	want := map[string]any{"keep": "me", "email": "alice@example.com", "email_verified": true, "groups": []any{"admins", "dev"}}
	if code != http.StatusOK || !reflect.DeepEqual(idt, want) {
		t.Fatalf("alice: %d %v", code, idt)
	}
	if at := out["session"].(map[string]any)["access_token"]; !reflect.DeepEqual(at, map[string]any{"a": "b"}) {
		t.Fatalf("access token extra not kept: %v", at)
	}
	_, out = call("bob", "refresh_token", []string{"openid", "groups"})
	idt = out["session"].(map[string]any)["id_token"].(map[string]any)
	if idt["email"] != nil || !reflect.DeepEqual(idt["groups"], []any{"viewers"}) {
		t.Fatalf("bob (no email scope): %v", idt)
	}
	_, out = call("bob", "authorization_code", nil)
	idt = out["session"].(map[string]any)["id_token"].(map[string]any)
	if idt["email"] != "bob@example.com" || idt["email_verified"] != false {
		t.Fatalf("bob (code exchange, unverified): %v", idt)
	}
	if code, _ := call("gone", "refresh_token", []string{"openid"}); code != http.StatusForbidden {
		t.Fatalf("deleted identity: %d, want 403", code)
	}
	if code, _ := call("broken", "refresh_token", []string{"openid"}); code != http.StatusBadGateway {
		t.Fatalf("kratos error: %d, want 502 (fail closed)", code)
	}
	if code, _ := call("ci", "client_credentials", nil); code != http.StatusNoContent {
		t.Fatalf("client credentials: %d, want 204", code)
	}
}
