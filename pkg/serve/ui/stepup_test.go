package ui_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/serve/ui"
)

// whoamiKratos answers /sessions/whoami with a session at aal, or 401
// when aal is "" (an in-process stand-in: the real Kratos' answers are
// covered by the browser tests).
func whoamiKratos(t *testing.T, aal string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sessions/whoami" && aal == "aal2-required" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":{"id":"session_aal2_required","code":403,"message":"aal2 required"},"redirect_browser_to":"https://id.dev.example.com/self-service/login/browser?aal=aal2"}`))
			return
		}
		if r.URL.Path != "/sessions/whoami" || aal == "" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"id":"session_inactive","code":401,"message":"No valid session"}}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"authenticator_assurance_level": aal, "identity": map[string]any{"id": "x"}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestStepUpPage: the page the gateway sends a refused browser to tells
// the three people apart, so none loops: no session → login, aal1 → the
// second factor, aal2 (refused for its groups) → access denied.
func TestStepUpPage(t *testing.T) {
	checkSessionPage(t, "/step-up?return_to=https%3A%2F%2Fa.dev.example.com%2Fx%3Fy%3D1", []sessionCase{
		{"", "/login?return_to=https%3A%2F%2Fa.dev.example.com%2Fx%3Fy%3D1", http.StatusSeeOther},
		{"aal1", "/login?aal=aal2&return_to=https%3A%2F%2Fa.dev.example.com%2Fx%3Fy%3D1", http.StatusSeeOther},
		{"aal2", "", http.StatusForbidden},
	})
}

// TestForbiddenPage: a signed-in person a service's groups refused gets an
// access-denied page (403), never a login that would send them straight
// back; without a session it is the login, keeping return_to.
func TestForbiddenPage(t *testing.T) {
	checkSessionPage(t, "/forbidden?return_to=https%3A%2F%2Fa.dev.example.com%2Fx", []sessionCase{
		{"", "/login?return_to=https%3A%2F%2Fa.dev.example.com%2Fx", http.StatusSeeOther},
		{"aal1", "", http.StatusForbidden},
		{"aal2", "", http.StatusForbidden},
	})
}

// sessionCase is what a page answers a session at an AAL ("": none).
type sessionCase struct {
	aal, location string
	status        int
}

// checkSessionPage asks target with a session at each case's AAL: a
// redirect to location, or an "Access denied" page.
func checkSessionPage(t *testing.T, target string, cases []sessionCase) {
	t.Helper()
	for _, tc := range cases {
		h := newUI(t, ui.Config{KratosPublicURL: whoamiKratos(t, tc.aal)})
		rec := get(t, h, target, "ory_kratos_session=s")
		if rec.Code != tc.status || rec.Header().Get("Location") != tc.location {
			t.Errorf("%s, aal %q: %d to %q, want %d to %q", target, tc.aal, rec.Code, rec.Header().Get("Location"), tc.status, tc.location)
		}
		if tc.status == http.StatusForbidden && !strings.Contains(rec.Body.String(), "Access denied") {
			t.Errorf("%s, aal %q: the page says %s", target, tc.aal, rec.Body.String())
		}
	}
}

// TestSecondFactorLoginWithoutAFactor: a second-factor login for a person
// who enrolled none (Kratos then offers no method) says so and links to
// settings, keeping return_to; with a factor enrolled it does not.
func TestSecondFactorLoginWithoutAFactor(t *testing.T) {
	var flow map[string]any
	if err := json.Unmarshal(readFlow(t, "recorded/login-aal2.json"), &flow); err != nil {
		t.Fatal(err)
	}
	withFactor, _ := json.Marshal(flow)
	container := flow["ui"].(map[string]any)
	var kept []any
	for _, n := range container["nodes"].([]any) {
		if n.(map[string]any)["group"] == "default" {
			kept = append(kept, n)
		}
	}
	container["nodes"] = kept
	without, _ := json.Marshal(flow)
	for _, tc := range []struct {
		name   string
		body   []byte
		notice bool
	}{{"enrolled", withFactor, false}, {"none", without, true}} {
		srv, _ := recordedKratos(t, map[string][]byte{"/self-service/login/flows": tc.body})
		h := newUI(t, ui.Config{KratosPublicURL: srv.URL})
		rec := get(t, h, "/login?flow=f", "")
		body := rec.Body.String()
		link := `href="/settings?return_to=https%3A%2F%2Fauth.blog.example.com%2Fsettings"`
		got := strings.Contains(body, "your account has none yet") && strings.Contains(body, link)
		if rec.Code != http.StatusOK || got != tc.notice {
			t.Errorf("%s: HTTP %d, notice and settings link shown %v, want %v:\n%s", tc.name, rec.Code, got, tc.notice, body)
		}
	}
}

// TestLoginWithASessionBelowItsAAL: a person who enrolled a second factor
// after this session signed in has a session Kratos' whoami refuses
// (session_aal2_required); the gateway sends them to the login page, and a
// plain login would be "already signed in", back to the tool, refused
// again. The login page asks for the second factor instead; other logins
// start as they were asked.
func TestLoginWithASessionBelowItsAAL(t *testing.T) {
	const rt = "return_to=https%3A%2F%2Fa.dev.example.com%2F"
	for _, tc := range []struct {
		aal, target, cookie, want string
	}{
		{"aal2-required", "/login?" + rt, "ory_kratos_session=s", kratosBrowser + "/self-service/login/browser?aal=aal2&" + rt},
		{"aal1", "/login?" + rt, "ory_kratos_session=s", kratosBrowser + "/self-service/login/browser?" + rt},
		{"", "/login?" + rt, "", kratosBrowser + "/self-service/login/browser?" + rt},
		{"aal2-required", "/login?login_challenge=c", "ory_kratos_session=s", kratosBrowser + "/self-service/login/browser?login_challenge=c"},
	} {
		h := newUI(t, ui.Config{KratosPublicURL: whoamiKratos(t, tc.aal)})
		if got := get(t, h, tc.target, tc.cookie).Header().Get("Location"); got != tc.want {
			t.Errorf("%s with a session %q: to %s, want %s", tc.target, tc.aal, got, tc.want)
		}
	}
}
