package browser_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserSelfRegistrationAndErrorPage: with registration on (the
// default), a newcomer follows "Create an account" from the login page,
// gives their email and name (Kratos v1.3.1's profile step), then a
// password, and is signed in; the identity Kratos made has exactly those
// traits. A login asked to return to a host that is no allowed return URL
// ends on the UI's error page with Kratos' reason.
func TestBrowserSelfRegistrationAndErrorPage(t *testing.T) {
	stack.Require(t)
	r := e2e.RenderedExample(t, "ingress")
	s := startSite(t, r, siteOptions{})
	b := s.b
	const email = "newcomer@blog.example.com"

	b.Navigate("https://" + s.w.AuthHost + "/login")
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.Click(`a[href^="/registration"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/registration\?flow=`)
	b.WaitText("Create an account")
	s.recordFlow(t, "registration", "registration-profile")
	b.Shot("registration")
	b.Fill(`form[data-group="profile"] input[name="traits.email"]`, email)
	b.Fill(`form[data-group="profile"] input[name="traits.name"]`, "New Comer")
	b.Click(`form[data-group="profile"] button[name="method"][value="profile"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/registration\?flow=`)
	b.Fill(`form[data-group="password"] input[name="password"]`, "Newcomer-correct-horse-7Q!x")
	b.Shot("registration-password")
	b.Click(`form[data-group="password"] button[name="method"][value="password"]`)
	b.WaitURL(`^https://auth\.blog\.example\.com/$`)
	b.WaitText("You are signed in as " + email)

	var ids []struct {
		Traits map[string]any `json:"traits"`
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", s.kratos.AdminURL+"admin/identities?credentials_identifier="+email, nil, http.StatusOK, &ids)
	if len(ids) != 1 || ids[0].Traits["name"] != "New Comer" {
		t.Fatalf("Kratos has %+v for %s", ids, email)
	}

	// A return_to Kratos does not allow: the error page says why.
	b.Navigate("https://" + s.w.AuthHost + "/login?refresh=true&return_to=https%3A%2F%2Fevil.example.net%2F")
	b.WaitURL(`^https://auth\.blog\.example\.com/error\?id=`)
	b.Shot("error")
	if text := b.Text(); !strings.Contains(text, "return_to") || !strings.Contains(text, "evil.example.net") {
		t.Fatalf("the error page shows %q, want Kratos' reason", text)
	}
	keepShots(t, b, map[string]string{"registration": "registration", "error": "error"})
}
