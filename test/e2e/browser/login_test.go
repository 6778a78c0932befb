package browser_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserPasswordLoginThroughTheGateway: a person opens a page of a
// protected tool (examples/ingress.yaml's dashboard, Oathkeeper in proxy
// mode behind the edge), is sent to the built-in login page, mistypes the
// password, signs in, and lands on the exact page first asked for, which
// the upstream serves with the person's identity headers.
func TestBrowserPasswordLoginThroughTheGateway(t *testing.T) {
	stack.Require(t)
	// The example as it is: the render makes the protected hosts allowed
	// return URLs (issue 20), so the person comes back to the page.
	p := loadExample(t, "ingress")
	r := e2e.RenderProfile(t, "ingress", p)
	s := startSite(t, r, siteOptions{})
	const password = "Staff-correct-horse-7Q!x"
	s.createIdentity(t, "staff@blog.example.com", password, "staff")
	b := s.b

	asked := "https://dashboard.blog.example.com/panels/1?range=7d"
	b.Navigate(asked)
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.Shot("login")
	text := b.Text()
	for _, want := range []string{"blog.example.com", "Sign in", "E-Mail", "Password"} {
		if !strings.Contains(text, want) {
			t.Errorf("the login page does not show %q:\n%s", want, text)
		}
	}

	b.Fill("#password-identifier", "staff@blog.example.com")
	b.Fill("#password-password", "not-the-password")
	b.Click("#password-method")
	b.WaitText("The provided credentials are invalid")
	s.recordFlow(t, "login", "login-password-error")
	b.Shot("login-wrong-password")

	b.Fill("#password-password", password)
	b.Click("#password-method")
	got := b.WaitURL(`^https://dashboard\.blog\.example\.com/`)
	b.Shot("dashboard")
	if got != asked {
		t.Fatalf("after login the browser is at %s, want the page first asked for, %s", got, asked)
	}
	b.WaitText("The tool at dashboard.blog.example.com")
	if text := b.Text(); !strings.Contains(text, "/panels/1?range=7d") || !strings.Contains(text, "staff@blog.example.com") {
		t.Errorf("the upstream page shows %q", text)
	}
	var last *http.Request
	for done := false; !done; {
		select {
		case last = <-s.seen:
		case <-time.After(100 * time.Millisecond):
			done = true
		}
	}
	if last == nil || last.Header.Get("X-User-Email") != "staff@blog.example.com" || last.Header.Get("X-User-Groups") != "staff" {
		t.Fatalf("the upstream did not get the person: %v", last)
	}
	keepShots(t, b, map[string]string{"login": "login", "login-wrong-password": "login-error", "dashboard": "tool"})
}
