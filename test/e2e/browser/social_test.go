package browser_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// googleClientSecret is what the harness puts in the provider's client
// Secret (e2e.KratosConfig expands $(OIDC_…_CLIENT_SECRET) to it).
const googleClientSecret = "test-client-secret-value"

// startSocialSite runs a render of p on a site whose Kratos reaches Google
// only through the stand-in, with the profile's Google client registered
// there.
func startSocialSite(t *testing.T, name string, p *profile.Profile) (*site, *googleStandIn) {
	t.Helper()
	r := e2e.RenderProfile(t, name, p)
	g := startGoogle(t)
	g.Use(t)
	s := startSite(t, r, siteOptions{Routes: g.Route})
	op := p.Spec.Kratos.OIDCProviders[0]
	g.RegisterClient(t, op.ClientID, googleClientSecret, s.w.KratosPublicURL+"self-service/methods/oidc/callback/"+op.ID)
	return s, g
}

// signInWithGoogle opens the login page and presses the Google button.
func (s *site) signInWithGoogle(t *testing.T) {
	t.Helper()
	b := s.b
	b.Navigate("https://" + s.w.AuthHost + "/login")
	b.WaitURL(`^https://auth\.corp\.example\.com/login\?flow=`)
	// The rendered provider label names Google as people know it.
	if got := b.TextOf(`button[name="provider"][value="google"]`); got != "Sign in with Google" {
		t.Errorf("the Google button says %q", got)
	}
	b.Click(`button[name="provider"][value="google"]`)
}

// identitiesByEmail lists Kratos' identities whose traits.email is email
// (an SSO-only identity has no credential identifier to look it up by).
func (s *site) identitiesByEmail(t *testing.T, email string) []map[string]any {
	t.Helper()
	var all, ids []map[string]any
	e2e.DoJSON(t, http.DefaultClient, "GET", s.kratos.AdminURL+"admin/identities?page_size=500", nil, http.StatusOK, &all)
	for _, i := range all {
		if tr, _ := i["traits"].(map[string]any); tr["email"] == email {
			ids = append(ids, i)
		}
	}
	return ids
}

// TestBrowserSocialSignInRegistrationOff: examples/staff-sso.yaml as
// rendered (Google SSO with hostedDomain, registration off), against a
// real OIDC server standing in for Google under its own name. A colleague
// bootstrapped with their Google subject (authctl bootstrap, credentials
// oidc) signs in with Google and is that identity; a stranger of the same
// Workspace is refused with a page that says registration is off; so is a
// colleague bootstrapped with only their email (Kratos v1.3.1 finds SSO
// people by subject, never by address).
func TestBrowserSocialSignInRegistrationOff(t *testing.T) {
	stack.Require(t)
	p := loadExample(t, "staff-sso")
	s, g := startSocialSite(t, "staff-sso", p)
	b := s.b

	const subject = "108234567890123456789"
	bootstrapFile := filepath.Join(t.TempDir(), "people.yaml")
	if err := os.WriteFile(bootstrapFile, []byte(`identities:
  - traits: {email: colleague@corp.example.com, name: Col League}
    metadata_public: {groups: [sre]}
    verifiable_addresses:
      - {value: colleague@corp.example.com, via: email, verified: true}
    credentials:
      oidc:
        config:
          providers:
            - {provider: google, subject: "`+subject+`"}
  - traits: {email: emailonly@corp.example.com, name: Email Only}
    verifiable_addresses:
      - {value: emailonly@corp.example.com, via: email, verified: true}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(e2e.Authctl(t), "bootstrap", "--identities", bootstrapFile, "--kratos-admin-url", strings.TrimSuffix(s.kratos.AdminURL, "/"), "--kratos-public-url", strings.TrimSuffix(s.kratos.PublicURL, "/")).CombinedOutput()
	if err != nil {
		t.Fatalf("authctl bootstrap: %v\n%s", err, out)
	}

	// A stranger from the right Workspace: no identity, registration off.
	g.SignInAs(googleAccount{Subject: "108200000000000000001", Email: "stranger@corp.example.com", Name: "Stran Ger", HostedDomain: "corp.example.com"})
	s.signInWithGoogle(t)
	b.WaitURL(`^https://auth\.corp\.example\.com/(error|login|registration)`)
	b.WaitText("Registration is not allowed")
	// Kratos' words, and the UI's for a person (explain.go).
	b.WaitText("There is no account here for the account you signed in with")
	s.recordFlow(t, "login", "login-oidc-registration-off")
	b.Shot("social-stranger")
	if s.hasSession() {
		t.Fatal("the stranger holds a Kratos session")
	}
	if ids := s.identitiesByEmail(t, "stranger@corp.example.com"); len(ids) != 0 {
		t.Fatalf("Kratos made an identity for the stranger: %v", ids)
	}

	// A colleague bootstrapped with only an address: the same.
	g.SignInAs(googleAccount{Subject: "108200000000000000002", Email: "emailonly@corp.example.com", Name: "Email Only", HostedDomain: "corp.example.com"})
	s.signInWithGoogle(t)
	b.WaitURL(`^https://auth\.corp\.example\.com/(error|login|registration)`)
	b.WaitText("Registration is not allowed")
	if s.hasSession() {
		t.Fatal("the email-only colleague holds a Kratos session")
	}

	// The colleague bootstrapped with their Google subject: signed in as
	// that identity.
	g.SignInAs(googleAccount{Subject: subject, Email: "colleague@corp.example.com", Name: "Col League", HostedDomain: "corp.example.com"})
	s.signInWithGoogle(t)
	b.WaitURL(`^https://auth\.corp\.example\.com/$`)
	b.WaitText("You are signed in as colleague@corp.example.com")
	b.Shot("social-colleague")
	if ids := s.identitiesByEmail(t, "colleague@corp.example.com"); len(ids) != 1 {
		t.Fatalf("Kratos has %d identities for the colleague, want the bootstrapped one", len(ids))
	}

	// Offboarding by the SSO subject (the identity has no credential
	// identifier of its own): the session ends at once and Google no
	// longer signs the colleague in. This test runs no stack Hydra, so
	// offboard's Hydra step (consent revocation by identity id) goes to
	// the stand-in's admin API, where there is nothing of the identity.
	out, err = exec.Command(e2e.Authctl(t), "offboard", "google:"+subject,
		"--kratos-admin-url", strings.TrimSuffix(s.kratos.AdminURL, "/"),
		"--hydra-admin-url", strings.TrimSuffix(g.Hydra.AdminURL, "/")).CombinedOutput()
	if err != nil {
		t.Fatalf("authctl offboard google:%s: %v\n%s", subject, err, out)
	}
	if ids := s.identitiesByEmail(t, "colleague@corp.example.com"); len(ids) != 1 || ids[0]["state"] != "inactive" {
		t.Fatalf("after offboard the colleague's identity is %v, want inactive", ids)
	}
	b.Navigate("https://" + s.w.AuthHost + "/")
	b.WaitURL(`^https://auth\.corp\.example\.com/login\?flow=`)
	before := b.URL()
	s.signInWithGoogle(t)
	// Back from Google on another page than the one left.
	for deadline := time.Now().Add(30 * time.Second); b.URL() == before && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	// Kratos v1.3.1's error page for an inactive identity.
	b.WaitURL(`^https://auth\.corp\.example\.com/error\?id=`)
	b.WaitText("This account was disabled.")
	b.Shot("social-offboarded")
	if strings.Contains(b.Text(), "You are signed in") {
		t.Fatalf("the offboarded colleague signed in again:\n%s", b.Text())
	}
	// No valid session (the cookie may stay; Kratos no longer knows it).
	b.Navigate("https://" + s.w.AuthHost + "/")
	b.WaitURL(`^https://auth\.corp\.example\.com/login\?flow=`)
	keepShots(t, b, map[string]string{"social-stranger": "social-registration-off"})
}

// TestBrowserSocialSignInRegistrationOn: staff-sso with registration on
// (what the registration-off warning proposes, trusting hostedDomain) and
// passwords besides security keys: a Google account of another Workspace,
// or a consumer account without hd, is refused by the rendered claims
// mapper with its message and gets no identity; an account of
// corp.example.com registers and is signed in with a verified address; a
// colleague with a password account is linked after giving the password,
// and then signs in with Google alone.
func TestBrowserSocialSignInRegistrationOn(t *testing.T) {
	stack.Require(t)
	p := loadExample(t, "staff-sso")
	on := true
	p.Spec.Kratos.Registration = &on
	p.Spec.Kratos.Methods = append(p.Spec.Kratos.Methods, "password")
	p.Resolve()
	s, g := startSocialSite(t, "staff-sso+registration+password", p)
	b := s.b

	for _, a := range []googleAccount{
		{Subject: "108300000000000000001", Email: "mallory@other.example.com", Name: "Mal Lory", HostedDomain: "other.example.com"},
		{Subject: "108300000000000000002", Email: "mallory@gmail.example", Name: "Mal Lory"},
	} {
		g.SignInAs(a)
		s.signInWithGoogle(t)
		b.WaitURL(`^https://auth\.corp\.example\.com/(error|login|registration)`)
		b.WaitText("Only corp.example.com accounts may sign in here.")
		b.Shot("social-other-domain")
		// The mapper's message, not its base64:// URL and stack trace.
		if text := b.Text(); strings.Contains(text, "base64://") || strings.Contains(text, "RUNTIME ERROR") {
			t.Errorf("the page shows the mapper's internals:\n%s", text)
		}
		if s.hasSession() {
			t.Fatalf("%s holds a Kratos session", a.Email)
		}
		if ids := s.identitiesByEmail(t, a.Email); len(ids) != 0 {
			t.Fatalf("Kratos made an identity for %s: %v", a.Email, ids)
		}
	}

	g.SignInAs(googleAccount{Subject: "108300000000000000003", Email: "newhire@corp.example.com", Name: "New Hire", HostedDomain: "corp.example.com"})
	s.signInWithGoogle(t)
	b.WaitURL(`^https://auth\.corp\.example\.com/$`)
	b.WaitText("You are signed in as newhire@corp.example.com")
	ids := s.identitiesByEmail(t, "newhire@corp.example.com")
	if len(ids) != 1 {
		t.Fatalf("Kratos has %d identities for the new hire", len(ids))
	}
	// The mapper marks Google's verified address verified.
	if va, _ := ids[0]["verifiable_addresses"].([]any); len(va) != 1 || va[0].(map[string]any)["verified"] != true {
		t.Errorf("the new hire's addresses: %v, want one verified", ids[0]["verifiable_addresses"])
	}
	// A colleague who has a password account: their first Google sign-in
	// (a new subject, an address the account has) is Kratos v1.3.1's
	// account linking: the login page asks for the existing password,
	// and then Google is a second way in to the same identity.
	b.Navigate("https://" + s.w.AuthHost + "/logout")
	b.Click("#logout-confirm")
	b.WaitURL(`^https://auth\.corp\.example\.com/login`)
	const linkedSubject, linkedPassword = "108300000000000000004", "Existing-correct-horse-7Q!x"
	existing := s.createIdentity(t, "existing@corp.example.com", linkedPassword, "sre")
	g.SignInAs(googleAccount{Subject: linkedSubject, Email: "existing@corp.example.com", Name: "Ex Isting", HostedDomain: "corp.example.com"})
	s.signInWithGoogle(t)
	b.WaitURL(`^https://auth\.corp\.example\.com/login\?flow=`)
	b.WaitText("that email is already used by another account")
	b.Shot("social-link")
	// Trick: a wrong password links nothing.
	b.Fill(`form[data-group="password"] input[name="password"]`, "not-the-password")
	b.Click(`form[data-group="password"] button[name="method"][value="password"]`)
	b.WaitText("The provided credentials are invalid")
	var unlinked struct {
		Credentials map[string]any `json:"credentials"`
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", s.kratos.AdminURL+"admin/identities/"+existing+"?include_credential=oidc", nil, http.StatusOK, &unlinked)
	if _, ok := unlinked.Credentials["oidc"]; ok {
		t.Fatalf("a wrong password linked Google: %v", unlinked.Credentials)
	}
	b.Fill(`form[data-group="password"] input[name="password"]`, linkedPassword)
	b.Click(`form[data-group="password"] button[name="method"][value="password"]`)
	b.WaitURL(`^https://auth\.corp\.example\.com/$`)
	b.WaitText("You are signed in as existing@corp.example.com")
	var linked struct {
		Credentials map[string]struct {
			Identifiers []string `json:"identifiers"`
		} `json:"credentials"`
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", s.kratos.AdminURL+"admin/identities/"+existing+"?include_credential=oidc", nil, http.StatusOK, &linked)
	if ids := linked.Credentials["oidc"].Identifiers; len(ids) != 1 || ids[0] != "google:"+linkedSubject {
		t.Fatalf("after linking the identity's oidc identifiers are %v, want google:%s", ids, linkedSubject)
	}
	if n := len(s.identitiesByEmail(t, "existing@corp.example.com")); n != 1 {
		t.Fatalf("%d identities for the linked colleague, want 1", n)
	}
	// From now on Google alone signs them in to that identity.
	b.Navigate("https://" + s.w.AuthHost + "/logout")
	b.Click("#logout-confirm")
	b.WaitURL(`^https://auth\.corp\.example\.com/login`)
	s.signInWithGoogle(t)
	b.WaitURL(`^https://auth\.corp\.example\.com/$`)
	b.WaitText("You are signed in as existing@corp.example.com")
	b.WaitText("oidc")
	keepShots(t, b, map[string]string{"social-other-domain": "social-other-domain", "social-link": "social-link"})
}
