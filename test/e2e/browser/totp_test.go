package browser_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserTOTPEnrolmentAndSecondFactor: a person signs in, enrols an
// authenticator app on the settings page (the QR code and its secret come
// from Kratos' nodes; the code is computed here as the app would), saves
// backup codes, signs out, and the next visit to settings asks for the
// second factor after the password (settings' required_aal is
// highest_available), which the app's code then passes; next time a
// backup code does.
func TestBrowserTOTPEnrolmentAndSecondFactor(t *testing.T) {
	stack.Require(t)
	p := loadExample(t, "ingress")
	p.Spec.Kratos.Methods = []string{"password", "totp", "lookup_secret"}
	p.Resolve()
	r := e2e.RenderProfile(t, "ingress+totp", p)
	s := startSite(t, r, siteOptions{})
	const email, password = "ada@blog.example.com", "Ada-correct-horse-7Q!x"
	s.createIdentity(t, email, password, "staff")
	b := s.b
	settings := "https://" + s.w.AuthHost + "/settings"

	signIn := func() {
		b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
		b.Fill("#password-identifier", email)
		b.Fill("#password-password", password)
		b.Click("#password-method")
	}

	// Settings need a session: the login page comes first, then settings.
	b.Navigate(settings)
	signIn()
	b.WaitURL(`^https://auth\.blog\.example\.com/settings\?flow=`)
	b.WaitText("Authenticator app QR code")
	s.recordFlow(t, "settings", "settings-totp-lookup")
	b.Shot("settings")
	secret := b.TextOf("#totp-totp_secret_key code")
	if len(secret) < 16 {
		t.Fatalf("the TOTP secret on the page is %q", secret)
	}
	submitTOTP(t, b, secret)
	b.WaitText("Your changes have been saved")
	b.Shot("settings-totp-saved")
	if strings.Contains(b.Text(), "Authenticator app QR code") {
		t.Fatal("after enrolment the settings page still offers a new authenticator app")
	}

	// Backup codes: generate, see them, confirm.
	b.Click("#lookup_secret-lookup_secret_regenerate")
	b.WaitText("These are your back up recovery codes")
	s.recordFlow(t, "settings", "settings-lookup-codes")
	b.Shot("settings-backup-codes")
	codes := b.TextOf("#lookup_secret-lookup_secret_codes ul")
	backup := b.TextOf("#lookup_secret-lookup_secret_codes li code")
	if strings.Count(codes, "\n")+1 < 8 {
		t.Errorf("backup codes shown: %q", codes)
	}
	b.Click("#lookup_secret-lookup_secret_confirm")
	b.WaitText("Your changes have been saved")

	// Sign out through the UI.
	b.Navigate("https://" + s.w.AuthHost + "/logout")
	b.Shot("logout")
	b.Click("#logout-confirm")
	b.WaitURL(`^https://auth\.blog\.example\.com/login`)
	if s.hasSession() {
		t.Fatal("the Kratos session cookie survived sign-out")
	}

	// Settings again: password, then the second factor.
	b.Navigate(settings)
	signIn()
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.WaitText("Second factor")
	s.recordFlow(t, "login", "login-aal2")
	b.Shot("login-second-factor")
	b.Fill("#totp-totp_code", "000000")
	b.Click("#totp-method")
	b.WaitText("The provided authentication code is invalid")
	submitTOTP(t, b, secret)
	b.WaitURL(`^https://auth\.blog\.example\.com/settings\?flow=`)
	b.Shot("settings-after-second-factor")

	// Without the phone: a backup code instead, once.
	s.signOut()
	b.Navigate(settings)
	signIn()
	b.WaitText("Second factor")
	b.Fill("#lookup_secret-lookup_secret", backup)
	b.Click(`form[data-group="lookup_secret"] button[name="method"][value="lookup_secret"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/settings\?flow=`)
	keepShots(t, b, map[string]string{"settings": "settings", "settings-backup-codes": "settings-backup-codes", "login-second-factor": "login-second-factor", "logout": "logout"})
}
