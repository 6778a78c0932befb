package gateway_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestMFARequiredOnRealOathkeeper: a service with mfa: required, on the
// real Kratos and Oathkeeper with the rendered rules and authctl's authz.
// bob has no second factor: his session (aal1, his highest) passes a
// service without mfa but not vault, where a browser is sent to the
// step-up page with the page it asked for and an API gets 403. ada has
// TOTP: her session at aal2 passes. Tricks are refused: headers, cookies
// and query parameters claiming aal2 next to an aal1 session; ada's stale
// aal1 cookie and token from before she enrolled (Kratos' whoami itself
// refuses them, session.whoami.required_aal is highest_available by
// default, so Oathkeeper answers 401); bob's aal1 cookie in front of ada's
// aal2 token.
func TestMFARequiredOnRealOathkeeper(t *testing.T) {
	stack.Require(t)
	p := e2e.MFAIngressProfile(t, false)
	r := e2e.RenderProfile(t, "ingress+mfa", p)
	ps := startProtectStack(t, r)
	w := r.Profile.Wiring()
	const pw = "a-long-test-password-1"
	adaID := ps.createIdentity(t, "ada@blog.example.com", pw, []string{"staff"})
	ps.createIdentity(t, "bob@blog.example.com", pw, []string{"staff"})
	vault := "https://vault.blog.example.com/v1/secret/data/x?version=2"
	dashboard := "https://dashboard.blog.example.com/panels/1"

	// ada's sessions from before she enrolled TOTP stay at aal1.
	adaCookie := ps.browserLogin(t, "ada@blog.example.com", pw)
	adaStale := "ory_kratos_session=" + adaCookie.Value
	adaStaleToken := ps.apiLogin(t, "ada@blog.example.com", pw)
	secret := e2e.EnrolTOTP(t, ps.kratos.PublicURL, ps.apiLogin(t, "ada@blog.example.com", pw))
	aal2 := e2e.StepUpToken(t, ps.kratos.PublicURL, ps.apiLogin(t, "ada@blog.example.com", pw), secret)
	bobCookie := ps.browserLogin(t, "bob@blog.example.com", pw)
	bob := "ory_kratos_session=" + bobCookie.Value
	bobToken := ps.apiLogin(t, "bob@blog.example.com", pw)

	expect := func(t *testing.T, name, u string, hdr http.Header, want ...int) *http.Response {
		t.Helper()
		resp := ps.decide(t, "GET", u, hdr)
		if !slices.Contains(want, resp.StatusCode) {
			t.Errorf("%s: got %d, want %v (Location %q)", name, resp.StatusCode, want, resp.Header.Get("Location"))
		}
		return resp
	}
	t.Run("aal1 browser: sent to step up with the page asked for", func(t *testing.T) {
		resp := expect(t, "bob's cookie", vault, header("Cookie", bob, "Accept", "text/html"), http.StatusFound)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != w.StepUpURL || loc.Query().Get("return_to") != vault {
			t.Fatalf("Location %q, want %s with return_to=%s", resp.Header.Get("Location"), w.StepUpURL, vault)
		}
	})
	t.Run("no session, browser: the login page as before", func(t *testing.T) {
		resp := expect(t, "no session", vault, header("Accept", "text/html"), http.StatusFound)
		if !strings.HasPrefix(resp.Header.Get("Location"), w.LoginURL+"?") {
			t.Errorf("Location %q, want the login page", resp.Header.Get("Location"))
		}
	})
	t.Run("aal1 API: 403", func(t *testing.T) {
		expect(t, "bob's token", vault, header("Authorization", "Bearer "+bobToken, "Accept", "application/json"), http.StatusForbidden)
		expect(t, "bob's cookie", vault, header("Cookie", bob, "Accept", "application/json"), http.StatusForbidden)
	})
	t.Run("aal1 passes a service without mfa", func(t *testing.T) {
		expect(t, "bob's cookie on the dashboard", dashboard, header("Cookie", bob), http.StatusOK)
	})
	t.Run("aal2 passes", func(t *testing.T) {
		resp := expect(t, "ada's aal2 token", vault, header("Authorization", "Bearer "+aal2, "Accept", "text/html"), http.StatusOK)
		if got := resp.Header.Get("X-User-Id"); got != adaID {
			t.Errorf("X-User-Id = %q, want %s", got, adaID)
		}
	})
	t.Run("aal2 outside the required group: 403, a browser to the step-up page", func(t *testing.T) {
		ops := "https://ops.blog.example.com/"
		expect(t, "ada's aal2 token", ops, header("Authorization", "Bearer "+aal2, "Accept", "application/json"), http.StatusForbidden)
		resp := expect(t, "ada's aal2 token, browser", ops, header("Authorization", "Bearer "+aal2, "Accept", "text/html"), http.StatusFound)
		if !strings.HasPrefix(resp.Header.Get("Location"), w.StepUpURL+"?") {
			t.Errorf("Location %q, want the step-up page (which shows access denied at aal2)", resp.Header.Get("Location"))
		}
	})
	t.Run("tricks", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			hdr  http.Header
			u    string
			want []int
		}{
			{"aal2 claimed in headers", header("Authorization", "Bearer "+bobToken, "X-Authenticator-Assurance-Level", "aal2", "Authenticator-Assurance-Level", "aal2", "X-Aal", "aal2", "Aal", "aal2"), vault, []int{403}},
			{"aal2 claimed in a cookie", header("Cookie", bob+"; authenticator_assurance_level=aal2; aal=aal2"), vault, []int{403}},
			{"aal2 claimed in the query", header("Cookie", bob), vault + "&aal=aal2&authenticator_assurance_level=aal2", []int{403}},
			{"aal2 in a return_to", header("Cookie", bob), "https://vault.blog.example.com/?return_to=x%26aal%3Daal2", []int{403}},
			{"ada's stale aal1 cookie after she stepped up elsewhere", header("Cookie", adaStale), vault, []int{401, 403}},
			{"ada's stale aal1 token", header("Authorization", "Bearer "+adaStaleToken), vault, []int{401, 403}},
			{"bob's aal1 cookie first, ada's aal2 token second", header("Cookie", bob, "Authorization", "Bearer "+aal2), vault, []int{403}},
		} {
			expect(t, tc.name, tc.u, tc.hdr, tc.want...)
		}
	})
}
