package doctor

import (
	"context"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// A host that uses the session outside the cookie domain fails before any
// request (the doctor here has no HTTP client); Oathkeeper off skips the
// decisions.
func TestCookieDomainAndDecisionsWithoutRequests(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Spec.Services = append(p.Spec.Services, profile.Service{Name: "other", Hosts: []string{"app.other.org"}, Allow: []string{"session"}})
	d := &doctor{o: Options{Profile: p}, w: p.Wiring()}
	if c := d.cookieDomain(context.Background()); c.Status != Fail || c.Message != "host app.other.org is outside the cookie domain "+d.w.CookieDomain {
		t.Errorf("cookie domain: %+v", c)
	}
	off := false
	p.Spec.Components.Oathkeeper.Enabled = &off
	if c := d.decisions(context.Background()); c.Status != Skip {
		t.Errorf("decisions with Oathkeeper off: %+v", c)
	}
}
