package doctor

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// decisions asks Oathkeeper about each protected host with no credentials,
// as a gateway would; anything but 401 or 302 means the host is open.
func (d *doctor) decisions(ctx context.Context) Check {
	if !profile.On(d.o.Profile.Spec.Components.Oathkeeper.Enabled) {
		return skip("Oathkeeper is disabled in the profile")
	}
	var checked []string
	for _, s := range d.o.Profile.Spec.Services {
		if slices.Contains(s.Allow, "anonymous") {
			continue
		}
		for _, h := range s.Hosts {
			path := s.Paths[0]
			u := join(d.o.Endpoints.OathkeeperAPI, "decisions"+path)
			hdr := http.Header{
				"X-Forwarded-Method": {http.MethodGet}, "X-Forwarded-Proto": {d.w.Scheme},
				"X-Forwarded-Host": {h}, "X-Forwarded-Uri": {path},
			}
			if s.OnFailure == "redirect" {
				hdr.Set("Accept", "text/html") // as a browser, which gets the login redirect
			}
			resp, _, err := d.get(ctx, u, hdr)
			if err != nil {
				return fail(d.unreachableFix(endpoint{"api", d.o.Endpoints.OathkeeperAPI, d.w.OathkeeperAPIService, profile.OathkeeperAPIPort, "oathkeeper-api-url"}, err), "host %s: %v", h, err)
			}
			if !deniedWithoutSession(resp.StatusCode) {
				return fail("authctl rules test -f "+fileOf(d.o.Profile)+" --url "+d.w.Scheme+"://"+h+path+" shows the rule that answered", "%s://%s%s without a session: HTTP %d, want 401 or 302", d.w.Scheme, h, path, resp.StatusCode)
			}
			checked = append(checked, fmt.Sprintf("%s %d", h, resp.StatusCode))
		}
	}
	if len(checked) == 0 {
		return skip("no service requires a login")
	}
	return pass("denied without a session: %s", strings.Join(checked, ", "))
}

// cookieDomain checks that every host is inside the cookie domain, and that
// Kratos sets its cookies for that domain.
func (d *doctor) cookieDomain(ctx context.Context) Check {
	cd := d.w.CookieDomain
	hosts := []string{d.w.AuthHost, d.w.KratosHost, d.w.HydraHost}
	for _, s := range d.o.Profile.Spec.Services {
		if slices.Contains(s.Allow, "session") {
			hosts = append(hosts, s.Hosts...)
		}
	}
	if h := hostOutsideCookieDomain(cd, hosts); h != "" {
		return fail("use a host under "+cd+" or change spec.domain", "host %s is outside the cookie domain %s", h, cd)
	}
	if !profile.On(d.o.Profile.Spec.Components.Kratos.Enabled) {
		return pass("%d hosts inside %s", len(hosts), cd)
	}
	u := join(d.o.Endpoints.KratosPublic, "self-service/login/browser")
	resp, _, err := d.get(ctx, u, nil)
	if err != nil {
		return fail("see kratos-health", "%v", err)
	}
	return judgeKratosCookies(cd, len(hosts), resp.Cookies())
}
