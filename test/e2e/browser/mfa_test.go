package browser_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserMFAStepUpThroughTheGateway: examples/ingress.yaml with TOTP
// and a vault service with mfa: required. A person with only a password
// asks for a page of vault, signs in, and is sent to step up; with no
// second factor enrolled the page says so and links to settings (no loop);
// they enrol an authenticator app there, and land on the exact page first
// asked for. Signed out and back, the password is followed by the app's
// code (Kratos asks whoever has a second factor), and vault lets them in
// again (a wrong code is TestBrowserTOTPEnrolmentAndSecondFactor's). The
// ops service also wants the ops group: at aal2 without it the step-up
// page says access denied instead of asking again. Stopped at the second
// factor, the person can still sign out.
func TestBrowserMFAStepUpThroughTheGateway(t *testing.T) {
	stack.Require(t)
	p := e2e.MFAIngressProfile(t, false)
	r := e2e.RenderProfile(t, "ingress+mfa", p)
	s := startSite(t, r, siteOptions{})
	const email, password = "ada@blog.example.com", "Ada-correct-horse-7Q!x"
	s.createIdentity(t, email, password, "staff")
	b := s.b
	asked := "https://vault.blog.example.com/v1/secret/data/x?version=2"
	signIn := func() {
		b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
		b.Fill("#password-identifier", email)
		b.Fill("#password-password", password)
		b.Click("#password-method")
	}
	atAsked := func(shot string) {
		t.Helper()
		got := b.WaitURL(`^https://vault\.blog\.example\.com/`)
		b.Shot(shot)
		if got != asked {
			t.Fatalf("the browser is at %s, want the page first asked for, %s", got, asked)
		}
		b.WaitText("The tool at vault.blog.example.com")
		if !strings.Contains(b.Text(), "/v1/secret/data/x?version=2") {
			t.Errorf("the upstream page shows %q", b.Text())
		}
	}

	b.Navigate(asked)
	signIn()
	// aal1 is not enough: the step-up page asks Kratos for the second
	// factor, and Kratos has none to offer.
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.WaitText("your account has none yet")
	b.Shot("mfa-no-second-factor")
	b.Click(`a[href^="/settings?return_to="]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/settings\?flow=`)
	b.WaitText("Authenticator app QR code")
	secret := b.TextOf("#totp-totp_secret_key code")
	submitTOTP(t, b, secret)
	// Enrolling raises the session to aal2 and Kratos returns to the page.
	atAsked("mfa-vault-after-enrolment")

	// Next time: password, then the app's code, then the page.
	s.signOut()
	b.Navigate(asked)
	signIn()
	b.WaitText("Second factor")
	b.Shot("mfa-second-factor")
	submitTOTP(t, b, secret)
	atAsked("mfa-vault")

	// At aal2 outside the ops group: access denied, not another login.
	b.Navigate("https://ops.blog.example.com/")
	b.WaitURL(`^https://auth\.blog\.example\.com/step-up\?return_to=`)
	b.WaitText("Access denied")
	b.Shot("mfa-access-denied")
	// Stopped at the second factor (the phone is elsewhere), the person
	// can still sign out: whoami refuses that session, Kratos' logout
	// takes it.
	s.signOut()
	b.Navigate(asked)
	signIn()
	b.WaitText("Second factor")
	if !s.hasSession() {
		t.Fatal("no session cookie after the password: the sign-out below cannot be told from none")
	}
	s.signOut()
	if s.hasSession() {
		t.Fatal("a session stopped at the second factor survived sign-out")
	}
	keepShots(t, b, map[string]string{"mfa-no-second-factor": "mfa-no-second-factor", "mfa-access-denied": "mfa-access-denied"})
}

// submitTOTP types the authenticator app's current code for secret into
// the page's TOTP form (enrolment in settings, or the second factor at
// login) and sends it.
func submitTOTP(t *testing.T, b *browser.Browser, secret string) {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.Fill("#totp-totp_code", code)
	b.Click("#totp-method")
}

// signOut signs out on the UI's logout page and waits for the login page.
func (s *site) signOut() {
	s.b.Navigate("https://" + s.w.AuthHost + "/logout")
	s.b.Click("#logout-confirm")
	s.b.WaitURL(`^https://auth\.blog\.example\.com/login`)
}
