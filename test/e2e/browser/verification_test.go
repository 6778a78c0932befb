package browser_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserRegistrationWithVerificationByMail: with a courier
// (spec.kratos.courier), a newcomer registers, Kratos' courier sends the
// verification code to a real SMTP server (Mailpit), and the newcomer
// types the code from the mail on the verification page: the address is
// verified in Kratos.
func TestBrowserRegistrationWithVerificationByMail(t *testing.T) {
	stack.Require(t)
	p := loadExample(t, "ingress")
	p.Spec.Kratos.Courier = profile.Courier{SMTPURISecretRef: &profile.SecretRef{Name: "blog-smtp", Key: "uri"}, From: "accounts@blog.example.com"}
	p.Resolve()
	r := e2e.RenderProfile(t, "ingress+courier", p)
	s := startSite(t, r, siteOptions{Mail: true})
	b := s.b
	const email = "verify-me@blog.example.com"

	b.Navigate("https://" + s.w.AuthHost + "/registration")
	b.WaitURL(`^https://auth\.blog\.example\.com/registration\?flow=`)
	b.Fill(`form[data-group="profile"] input[name="traits.email"]`, email)
	b.Fill(`form[data-group="profile"] input[name="traits.name"]`, "Vera Fied")
	b.Click(`form[data-group="profile"] button[name="method"][value="profile"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/registration\?flow=`)
	b.Fill(`form[data-group="password"] input[name="password"]`, "Vera-correct-horse-7Q!x")
	b.Click(`form[data-group="password"] button[name="method"][value="password"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/`)

	msg := s.mail.WaitMessage(t, email, 90*time.Second)
	code := regexp.MustCompile(`\b[0-9]{6}\b`).FindString(msg.Text)
	flow := regexp.MustCompile(`flow=([0-9a-f-]{36})`).FindStringSubmatch(msg.Text)
	if code == "" || flow == nil {
		t.Fatalf("the verification mail %q has no code and flow:\n%s", msg.Subject, msg.Text)
	}
	b.Navigate("https://" + s.w.AuthHost + "/verification?flow=" + url.QueryEscape(flow[1]))
	b.WaitURL(`^https://auth\.blog\.example\.com/verification\?flow=`)
	// The flow the mail names is the one registration started in this
	// browser: the page asks for the code at once.
	b.WaitText("An email containing a verification code has been sent")
	b.Shot("verification")
	b.Fill(`input[name="code"]`, code)
	b.Click(`form[data-group="code"] button[type="submit"]`)
	b.WaitText("You successfully verified your email address")
	b.Shot("verification-done")

	var ids []struct {
		VerifiableAddresses []struct {
			Value    string `json:"value"`
			Verified bool   `json:"verified"`
		} `json:"verifiable_addresses"`
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", s.kratos.AdminURL+"admin/identities?credentials_identifier="+email, nil, http.StatusOK, &ids)
	if len(ids) != 1 || len(ids[0].VerifiableAddresses) != 1 || !ids[0].VerifiableAddresses[0].Verified {
		t.Fatalf("Kratos has %+v for %s, want the address verified", ids, email)
	}
	keepShots(t, b, map[string]string{"verification": "verification"})
}
