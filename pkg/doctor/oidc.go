package doctor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/authctl/authctl/pkg/profile"
)

// discovery is Hydra's OpenID discovery document as doctor read it, with
// the issuer-discovery check's result and the response's Date (for the
// clock skew); an empty Issuer means there is none.
type discovery struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
	date    time.Time
	check   Check
}

// discover reads the discovery document from the Hydra public endpoint.
func (d *doctor) discover(ctx context.Context) discovery {
	var disc discovery
	if !d.hydraOn() {
		disc.check = skip("Hydra is disabled in the profile")
		return disc
	}
	u := join(d.o.Endpoints.HydraPublic, ".well-known/openid-configuration")
	fix := "check Hydra's urls.self.issuer and that " + d.o.Endpoints.HydraPublic + " routes to Hydra public (or pass --hydra-public-url)"
	resp, body, err := d.get(ctx, u, nil)
	switch {
	case err != nil:
		disc.check = fail(fix, "%v", err)
	case resp.StatusCode != http.StatusOK:
		disc.check = fail(fix, "GET %s: HTTP %d", u, resp.StatusCode)
	case json.Unmarshal(body, &disc) != nil || disc.Issuer == "":
		disc = discovery{check: fail(fix, "GET %s: not an OpenID discovery document", u)}
	default:
		disc.date, _ = http.ParseTime(resp.Header.Get("Date"))
		disc.check = pass("discovery at %s", u)
	}
	return disc
}

// jwks fetches the key set at the path discovery names, from the endpoint
// doctor was given (the issuer host may not resolve from here).
func (d *doctor) jwks(ctx context.Context, disc discovery) Check {
	if disc.JWKSURI == "" {
		return skip("no discovery document")
	}
	ju, err := url.Parse(disc.JWKSURI)
	if err != nil {
		return fail("check Hydra's urls.self.public", "jwks_uri %q: %v", disc.JWKSURI, err)
	}
	u := join(d.o.Endpoints.HydraPublic, ju.Path)
	resp, body, err := d.get(ctx, u, nil)
	if err != nil {
		return fail(jwksFix, "%v", err)
	}
	return judgeJWKS(u, resp.StatusCode, body)
}

func (d *doctor) kubectlRedirectURIs(ctx context.Context) Check {
	k := d.o.Profile.Spec.Kubernetes
	if !profile.On(k.Enabled) || !d.hydraOn() {
		return skip("kubectl login is disabled in the profile")
	}
	// The browser login's loopback URIs are required; the built-in UI's
	// code page (the headless login) only warned about when missing.
	want := slices.DeleteFunc(slices.Clone(d.w.KubectlRedirectURIs), func(u string) bool { return u == d.w.KubectlCodeURL })
	var optional []string
	if d.w.KubectlCodeURL != "" {
		optional = []string{d.w.KubectlCodeURL}
	}
	fix := d.registerClientFix()
	u := join(d.o.Endpoints.HydraAdmin, "admin/clients/"+url.PathEscape(k.ClientID))
	resp, body, err := d.get(ctx, u, nil)
	if err != nil {
		return fail(d.unreachableFix(endpoint{"admin", d.o.Endpoints.HydraAdmin, d.w.HydraAdminService, profile.HydraAdminPort, "hydra-admin-url"}, err), "%v", err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return fail(fix, "Hydra has no client %q", k.ClientID)
	}
	var c struct {
		RedirectURIs []string `json:"redirect_uris"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &c) != nil {
		return fail(fix, "GET %s: HTTP %d", u, resp.StatusCode)
	}
	return judgeRedirectURIs(k.ClientID, want, optional, c.RedirectURIs, fix)
}
