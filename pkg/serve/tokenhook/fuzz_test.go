package tokenhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// FuzzTokenHook sends arbitrary calls to the token hook (over the in-process
// identity fake of tokenhook_test.go) and checks what must always hold:
// no panic; without the key, 401 and nothing else; never claims for an
// identity that is not active; groups only with the groups scope, email
// only with the email scope; the key never appears in an answer.
func FuzzTokenHook(f *testing.F) {
	f.Add(testKey, "alice", "authorization_code", "openid,email,groups", "", []byte(nil))
	f.Add(testKey, "alice", "refresh_token", "openid", "openid,groups", []byte(nil))
	f.Add(testKey, "leaver", "refresh_token", "", "openid,email,groups", []byte(nil))
	f.Add("", "alice", "authorization_code", "openid,email,groups", "", []byte(nil))
	f.Add(testKey+"x", "bob", "authorization_code", "openid,groups", "", []byte(nil))
	f.Add(testKey, "", "", "", "", []byte(`{"session":{"id_token":{"id_token_claims":{"sub":"alice","ext":{"groups":["root"]}}}},"request":{"granted_scopes":["openid"]}}`))
	f.Add(testKey, "", "", "", "", []byte(`{"session":`))
	f.Fuzz(func(t *testing.T, key, subject, grant, requested, granted string, raw []byte) {
		h := newHook(t, Config{})
		body := raw
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		if len(raw) == 0 {
			body, _ = json.Marshal(map[string]any{
				"session": map[string]any{"id_token": map[string]any{"subject": subject}},
				"request": map[string]any{"client_id": "kubectl", "requested_scopes": split(requested), "granted_scopes": split(granted), "grant_types": split(grant)},
			})
		}
		req := httptest.NewRequest(http.MethodPost, TokenHookPath, bytes.NewReader(body))
		req.Header.Set(APIKeyHeader, key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if strings.Contains(rec.Body.String(), testKey) {
			t.Fatalf("the answer holds the key: %s", rec.Body.String())
		}
		if key != testKey {
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("wrong key %q: status %d, want 401", key, rec.Code)
			}
			return
		}
		switch rec.Code {
		case http.StatusOK, http.StatusNoContent, http.StatusBadRequest, http.StatusForbidden, http.StatusBadGateway:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Code != http.StatusOK || len(raw) > 0 {
			return
		}
		if subject != "alice" && subject != "bob" {
			t.Fatalf("claims for %q, which is not an active identity: %s", subject, rec.Body.String())
		}
		var out struct {
			Session struct {
				IDToken map[string]any `json:"id_token"`
			} `json:"session"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("200 with a body that is not JSON: %v", err)
		}
		scopes := Scopes(split(grant), split(requested), split(granted))
		if _, ok := out.Session.IDToken["groups"]; ok && !slices.Contains(scopes, "groups") {
			t.Fatalf("groups without the groups scope (scopes %v)", scopes)
		}
		if _, ok := out.Session.IDToken["email"]; ok && !slices.Contains(scopes, "email") {
			t.Fatalf("email without the email scope (scopes %v)", scopes)
		}
	})
}
