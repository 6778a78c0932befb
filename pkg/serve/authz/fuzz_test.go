package authz

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzHandler: whatever a caller sends, the authorizer allows (200) only a
// request whose body holds a required group the subject is in. Everything
// else is 400 (undecodable), 403 (denied), or a routing answer (404, 405),
// never a 5xx and never a panic. The allow decision is recomputed here with
// a set, independently of Request.Allowed.
func FuzzHandler(f *testing.F) {
	for _, s := range []struct{ method, path, body string }{
		{"POST", "/authorize", `{"subject":"u","groups":["admins","ops"],"required":["admins"]}`},
		{"POST", "/authorize", `{"subject":"u","groups":["viewers"],"required":["admins","ops"]}`},
		{"POST", "/authorize", `{"subject":"u","groups":["admins"],"required":[]}`},
		{"POST", "/authorize", `{"subject":"u","groups":["admins"]}`},
		{"POST", "/authorize", `{"groups":["admins"],"required":["admins"]} trailing`},
		{"POST", "/authorize", `{"groups":null,"required":[""]}`},
		{"POST", "/authorize", `{"GROUPS":["admins"],"Required":["admins"]}`},
		// Near misses: a prefix, a longer name, another case, a space.
		{"POST", "/authorize", `{"groups":["admin","admins-readonly","Admins","admins "],"required":["admins"]}`},
		{"POST", "/authorize", `not json`},
		{"GET", "/authorize", ``},
		{"GET", "/health/ready", ``},
		{"POST", "/authorize/../authorize", `{"groups":["a"],"required":["a"]}`},
	} {
		f.Add(s.method, s.path, []byte(s.body))
	}
	h := Handler(slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		req, err := http.NewRequest(method, "http://authz"+path, bytes.NewReader(body))
		if err != nil || req.URL.Path == "" {
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		code := rec.Code
		if code >= 500 {
			t.Fatalf("%s %s: %d", method, path, code)
		}
		if code != http.StatusOK {
			return
		}
		// The method the handler sees is req.Method: http.NewRequest turns
		// "" into GET, and a GET pattern in ServeMux also answers HEAD.
		health := req.URL.Path == "/health/ready" || req.URL.Path == "/health/alive"
		if health && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
			return
		}
		if req.Method != http.MethodPost || req.URL.Path != "/authorize" {
			t.Fatalf("%q %s (path %q) allowed", method, path, req.URL.Path)
		}
		var r struct {
			Groups   []string `json:"groups"`
			Required []string `json:"required"`
		}
		if err := json.NewDecoder(io.LimitReader(bytes.NewReader(body), maxBody)).Decode(&r); err != nil {
			t.Fatalf("allowed an undecodable body %q: %v", body, err)
		}
		member := map[string]bool{}
		for _, g := range r.Groups {
			member[g] = true
		}
		in := false
		for _, g := range r.Required {
			in = in || member[g]
		}
		if !in {
			t.Fatalf("allowed groups %q for required %q", r.Groups, r.Required)
		}
	})
}
