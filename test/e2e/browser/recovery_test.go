package browser_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserRecoveryByCode: with a courier (spec.kratos.courier), a
// person who forgot the password follows "Forgot your password?" from the
// login page, gives their address, reads the recovery code from the mail
// Kratos' courier sent to a real SMTP server (Mailpit), types it, is taken
// to settings with a privileged session, sets a new password, and signs in
// with it; the old password then fails. Tricks: a wrong code is refused
// (and the right one still works after it), and the used code is refused
// in a second recovery flow.
func TestBrowserRecoveryByCode(t *testing.T) {
	stack.Require(t)
	p := loadExample(t, "ingress")
	p.Spec.Kratos.Courier = profile.Courier{SMTPURISecretRef: &profile.SecretRef{Name: "blog-smtp", Key: "uri"}, From: "accounts@blog.example.com"}
	p.Resolve()
	r := e2e.RenderProfile(t, "ingress+courier", p)
	s := startSite(t, r, siteOptions{Mail: true})
	b := s.b
	const (
		email   = "forgetful@blog.example.com"
		oldPass = "Forgetful-old-horse-7Q!x"
		newPass = "Forgetful-new-battery-9Z?k"
	)
	s.createIdentity(t, email, oldPass, "staff")
	auth := "https://" + s.w.AuthHost

	b.Navigate(auth + "/login")
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.Click(`a[href^="/recovery"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/recovery\?flow=`)
	b.Shot("recovery")
	b.Fill(`form[data-group="code"] input[name="email"]`, email)
	b.Click(`form[data-group="code"] button[type="submit"]`)
	b.WaitText("An email containing a recovery code has been sent")
	b.Shot("recovery-code")
	flowURL := b.URL()

	msg := s.mail.WaitMessage(t, email, 90*time.Second)
	code := regexp.MustCompile(`\b[0-9]{6}\b`).FindString(msg.Text)
	if code == "" {
		t.Fatalf("the recovery mail %q has no code:\n%s", msg.Subject, msg.Text)
	}

	// A wrong code is refused, and the flow still takes the right one.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	b.Fill(`form[data-group="code"] input[name="code"]`, wrong)
	b.Click(`form[data-group="code"] button[name="method"][value="code"]`)
	b.WaitText("The recovery code is invalid or has already been used")
	b.Shot("recovery-wrong-code")

	b.Fill(`form[data-group="code"] input[name="code"]`, code)
	b.Click(`form[data-group="code"] button[name="method"][value="code"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/settings\?flow=`)
	b.WaitText("You successfully recovered your account")
	b.Shot("recovery-settings")
	b.Fill(`form[data-group="password"] input[name="password"]`, newPass)
	b.Click(`form[data-group="password"] button[name="method"][value="password"]`)
	b.WaitText("Your changes have been saved")
	b.Shot("recovery-new-password")

	// The flow the code came from does not open again.
	b.Navigate(flowURL)
	if text := b.Text(); strings.Contains(text, "You successfully recovered") {
		t.Fatalf("the recovery flow opened again after use:\n%s", text)
	}
	// Sign out (Kratos offers no recovery to a signed-in person). The used
	// code, in a new recovery flow for the same address: refused.
	b.Navigate(auth + "/logout")
	b.Click("#logout-confirm")
	b.WaitURL(`^https://auth\.blog\.example\.com/login`)
	if s.hasSession() {
		t.Fatal("still holding a Kratos session after logout")
	}
	b.Navigate(auth + "/recovery")
	b.WaitURL(`^https://auth\.blog\.example\.com/recovery\?flow=`)
	b.Fill(`form[data-group="code"] input[name="email"]`, email)
	b.Click(`form[data-group="code"] button[type="submit"]`)
	b.WaitText("An email containing a recovery code has been sent")
	b.Fill(`form[data-group="code"] input[name="code"]`, code)
	b.Click(`form[data-group="code"] button[name="method"][value="code"]`)
	b.WaitText("The recovery code is invalid or has already been used")
	b.Shot("recovery-reused-code")
	if s.hasSession() {
		t.Fatal("the used code gave a session")
	}

	// The old password fails, the new one works.
	b.Navigate(auth + "/login")
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.Fill("#password-identifier", email)
	b.Fill("#password-password", oldPass)
	b.Click("#password-method")
	b.WaitText("The provided credentials are invalid")
	b.Shot("login-old-password")
	b.Fill("#password-password", newPass)
	b.Click("#password-method")
	b.WaitURL(`^https://auth\.blog\.example\.com/$`)
	b.WaitText("You are signed in as " + email)
	b.Shot("login-new-password")
	keepShots(t, b, map[string]string{"recovery-code": "recovery", "recovery-settings": "recovery-settings"})
}
