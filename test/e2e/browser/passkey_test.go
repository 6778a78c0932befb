package browser_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserPasskeyRegistrationAndPasswordlessLogin: with the rendered
// passkey config (rp.id the domain, the UI's origin), a person signed in
// with a password adds a passkey on the settings page, which Kratos'
// webauthn.js creates on Chromium's virtual authenticator (DevTools'
// WebAuthn domain: a platform authenticator with user verification);
// after signing out, "Sign in with passkey" alone signs them in.
func TestBrowserPasskeyRegistrationAndPasswordlessLogin(t *testing.T) {
	stack.Require(t)
	p := loadExample(t, "ingress")
	p.Spec.Kratos.Methods = []string{"password", "passkey"}
	p.Resolve()
	r := e2e.RenderProfile(t, "ingress+passkey", p)
	kcfg := e2e.KratosConfig(t, r)
	if got := e2e.MustJSON(t, e2e.Get(kcfg, "selfservice.methods.passkey.config.rp")); got != `{"display_name":"blog.example.com","id":"blog.example.com","origins":["https://auth.blog.example.com"]}` {
		t.Fatalf("rendered passkey rp = %s", got)
	}
	s := startSite(t, r, siteOptions{})
	const email, password = "grace@blog.example.com", "Grace-correct-horse-7Q!x"
	s.createIdentity(t, email, password, "staff")
	b := s.b
	authenticator := addVirtualAuthenticator(t, b)

	b.Navigate("https://" + s.w.AuthHost + "/settings")
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.WaitText("Sign in with passkey")
	s.recordFlow(t, "login", "login-passkey")
	b.Shot("login-passkey")
	b.Fill("#password-identifier", email)
	b.Fill("#password-password", password)
	b.Click("#password-method")
	b.WaitURL(`^https://auth\.blog\.example\.com/settings\?flow=`)
	b.WaitText("Passkeys")
	s.recordFlow(t, "settings", "settings-passkey")
	b.Shot("settings-passkeys")
	b.Click("#passkey-passkey_register_trigger")
	b.WaitText("Your changes have been saved")
	b.Shot("settings-passkey-added")
	creds, err := chromedp.Call(b.Context(), webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: authenticator})
	if err != nil {
		t.Fatal(err)
	}
	if len(creds.Credentials) != 1 || creds.Credentials[0].RpID != "blog.example.com" || !creds.Credentials[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %+v, want one discoverable credential for blog.example.com", creds.Credentials)
	}

	b.Navigate("https://" + s.w.AuthHost + "/logout")
	b.Click("#logout-confirm")
	b.WaitURL(`^https://auth\.blog\.example\.com/`)
	// The login page starts the passkey autofill (Kratos' onload trigger,
	// conditional mediation), which the virtual authenticator answers at
	// once; only if it has not signed the person in after a while does the
	// button do it (both at once race: two posts of one flow). Either way
	// no password.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.HasSuffix(b.URL(), ".com/"); {
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.HasSuffix(b.URL(), ".com/") {
		b.Click("#passkey-passkey_login_trigger")
	}
	b.WaitURL(`^https://auth\.blog\.example\.com/$`)
	b.WaitText("You are signed in as " + email)
	b.Shot("home-after-passkey")
	if text := b.Text(); !strings.Contains(text, "Signed in with: passkey") || strings.Contains(text, "password") {
		t.Fatalf("the home page says %q, want a session made with the passkey alone", text)
	}
	keepShots(t, b, map[string]string{"settings-passkeys": "settings-passkeys", "login-passkey": "login-passkey", "home-after-passkey": "home"})
}

// addVirtualAuthenticator gives the browser a platform authenticator that
// keeps discoverable credentials and verifies the user at once.
func addVirtualAuthenticator(t *testing.T, b *browser.Browser) webauthn.AuthenticatorID {
	t.Helper()
	if _, err := chromedp.Call(b.Context(), webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Call(b.Context(), webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return res.AuthenticatorID
}
