package ui_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/serve/ui"
)

// kratosMapperError is the error Kratos v1.3.1 keeps when the rendered
// claims mapper's hostedDomain assert fails (its shape; the mapper URL
// shortened).
const kratosMapperError = `{"id":"e1","error":{"code":500,"status":"Internal Server Error","message":"jsonnetsecure: ERROR: RUNTIME ERROR: Only corp.example.com accounts may sign in here.\n\tbase64://bG9jYWwgY2xhaW1zID0gc3RkLmV4dFZhcignY2xhaW1zJyk7Cg==:2:1-110\t\n\tDuring evaluation\t\n"}}`

// TestErrorPageShowsTheMapperMessageOnly: a refused Google account of
// another domain sees the rendered mapper's sentence, not the base64://
// mapper and Jsonnet's stack trace.
func TestErrorPageShowsTheMapperMessageOnly(t *testing.T) {
	kratos, _ := recordedKratos(t, map[string][]byte{"/self-service/errors": []byte(kratosMapperError)})
	h := newUI(t, ui.Config{KratosPublicURL: kratos.URL})
	rec := get(t, h, "/error?id=e1", "")
	page := html.UnescapeString(rec.Body.String())
	if rec.Code != http.StatusOK || !strings.Contains(page, "<p>Only corp.example.com accounts may sign in here.</p>") {
		t.Fatalf("HTTP %d, page:\n%s", rec.Code, page)
	}
	for _, internal := range []string{"base64://", "RUNTIME ERROR", "During evaluation"} {
		if strings.Contains(page, internal) {
			t.Errorf("the error page shows %q", internal)
		}
	}
}

// TestErrorPageExplainsRegistrationOff: Kratos' "registration disabled"
// error (a /registration visit, or a sign-in that needs one) gets the
// UI's plain explanation; another error gets none.
func TestErrorPageExplainsRegistrationOff(t *testing.T) {
	kratos, _ := recordedKratos(t, map[string][]byte{"/self-service/errors": []byte(
		`{"id":"e2","error":{"id":"self_service_flow_disabled","code":400,"status":"Bad Request","reason":"Registration is not allowed because it was disabled.","message":"registration flow disabled"}}`)})
	h := newUI(t, ui.Config{KratosPublicURL: kratos.URL})
	page := html.UnescapeString(get(t, h, "/error?id=e2", "").Body.String())
	for _, want := range []string{"Registration is not allowed because it was disabled.", "There is no account here for the account you signed in with", "self_service_flow_disabled"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show %q:\n%s", want, page)
		}
	}

	other, _ := recordedKratos(t, map[string][]byte{"/self-service/errors": []byte(
		`{"id":"e3","error":{"code":400,"status":"Bad Request","reason":"Requested return_to URL \"https://evil.example.net/\" is not allowed.","message":"The request was malformed or contained invalid parameters"}}`)})
	page = html.UnescapeString(get(t, newUI(t, ui.Config{KratosPublicURL: other.URL}), "/error?id=e3", "").Body.String())
	if strings.Contains(page, "There is no account here") || !strings.Contains(page, "evil.example.net") {
		t.Errorf("an unrelated error page:\n%s", page)
	}
}

// TestLoginPageExplainsASignInWithoutAccount: the login flow Kratos
// v1.3.1 shows a stranger after Google when registration is off (recorded
// by TestBrowserSocialSignInRegistrationOff) keeps Kratos' message and
// adds what it means for the person; a flow without it gets no hint.
func TestLoginPageExplainsASignInWithoutAccount(t *testing.T) {
	raw := readFlow(t, "recorded/login-oidc-registration-off.json")
	kratos, _ := recordedKratos(t, map[string][]byte{"/self-service/login/flows": raw})
	h := newUI(t, ui.Config{KratosPublicURL: kratos.URL})
	page := html.UnescapeString(get(t, h, "/login?flow=x", "").Body.String())
	kratosMsg := strings.Index(page, "Registration is not allowed because it was disabled.")
	hint := strings.Index(page, "There is no account here for the account you signed in with")
	if kratosMsg < 0 || hint < kratosMsg {
		t.Fatalf("want Kratos' message, then the hint:\n%s", page)
	}

	kratos, _ = recordedKratos(t, map[string][]byte{"/self-service/login/flows": readFlow(t, "recorded/login-password-error.json")})
	page = get(t, newUI(t, ui.Config{KratosPublicURL: kratos.URL}), "/login?flow=x", "").Body.String()
	if strings.Contains(page, "There is no account here") {
		t.Fatal("a wrong password got the no-account hint")
	}
}
