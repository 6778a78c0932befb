package doctor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The verdicts of the checks, as pure functions of the facts each probe
// gathered (a status code, a body, a header, a certificate's expiry). The
// probes in doctor.go do the I/O; these decide, and are unit-tested.

// judgeIssuer compares the issuer Hydra reports with the profile's.
func judgeIssuer(reported, expected string) Check {
	if reported == "" {
		return skip("no discovery document")
	}
	if reported != expected {
		return fail("set Hydra's urls.self.issuer to "+expected+" (authctl render does) and roll Hydra", "Hydra reports issuer %s, the profile expects %s", reported, expected)
	}
	return pass("issuer %s", reported)
}

// judgeClockSkew compares this machine's clock with Hydra's Date header
// (zero: none was received). Date has one-second resolution.
func judgeClockSkew(now, serverDate time.Time, limit time.Duration) Check {
	if serverDate.IsZero() {
		return skip("no Date header from Hydra")
	}
	skew := now.Sub(serverDate).Round(time.Second)
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	if abs > limit {
		return fail("sync this machine's clock (and the nodes') with NTP; tokens carry iat/exp", "local clock differs from Hydra's by %s (limit %s)", skew, limit)
	}
	return pass("local clock within %s of Hydra's", limit)
}

const jwksFix = "Hydra creates its signing keys on first start; check its logs and database"

// judgeJWKS checks the answer of GET u: a JWK set with at least one key.
func judgeJWKS(u string, status int, body []byte) Check {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &set) != nil {
		return fail(jwksFix, "GET %s: HTTP %d, not a JWK set", u, status)
	}
	if len(set.Keys) == 0 {
		return fail(jwksFix, "GET %s: the key set is empty", u)
	}
	return pass("%d signing key(s) at %s", len(set.Keys), u)
}

// judgeRedirectURIs checks that the kubectl client has every redirect URI
// get-token listens on (more are fine).
func judgeRedirectURIs(clientID string, want, optional, have []string, fix string) Check {
	missing := func(list []string) []string {
		var out []string
		for _, w := range list {
			if !slices.Contains(have, w) {
				out = append(out, w)
			}
		}
		return out
	}
	if m := missing(want); len(m) > 0 {
		return fail(fix, "client %q lacks redirect URIs %s that get-token uses (it has %s)", clientID, strings.Join(m, ", "), strings.Join(have, ", "))
	}
	if m := missing(optional); len(m) > 0 {
		return warn(fix, "client %q lacks %s: the headless login (get-token --grant-type authcode-keyboard) would be refused; the browser login works", clientID, strings.Join(m, ", "))
	}
	return pass("client %q has %s", clientID, strings.Join(append(slices.Clone(want), optional...), ", "))
}

// deniedWithoutSession reports whether Oathkeeper's answer to a request
// without credentials denies it: 401, or 302 to the login.
func deniedWithoutSession(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusFound
}

// hostsOutsideCookieDomain returns the first host that a cookie for domain
// cd does not cover, or "". A suffix alone is not enough: evil-example.com
// is not inside example.com.
func hostOutsideCookieDomain(cd string, hosts []string) string {
	for _, h := range hosts {
		if h != cd && !strings.HasSuffix(h, "."+cd) {
			return h
		}
	}
	return ""
}

// judgeKratosCookies checks the cookies Kratos set on a new browser login
// flow: the first with a Domain must carry the profile's cookie domain
// (a leading dot is the same domain); none with a Domain is a warning.
func judgeKratosCookies(cd string, hosts int, cookies []*http.Cookie) Check {
	for _, c := range cookies {
		if c.Domain == "" {
			continue
		}
		if strings.TrimPrefix(c.Domain, ".") != cd {
			return fail("set Kratos cookies.domain and session.cookie.domain to "+cd+" (authctl render does) and roll Kratos", "Kratos sets cookie %s for domain %s, the profile's is %s", c.Name, c.Domain, cd)
		}
		return pass("%d hosts inside %s; Kratos sets cookies for %s", hosts, cd, c.Domain)
	}
	return warn("set Kratos cookies.domain to "+cd+" so one session covers every host", "%d hosts inside %s, but Kratos set no cookie domain (host-only cookies)", hosts, cd)
}

// certExpiry is the verdict on one certificate: Fail within failWithin of
// its expiry (or after it), Warn within warnWithin, else Pass.
func certExpiry(host string, notAfter, now time.Time, failWithin, warnWithin time.Duration) (status Status, fix, note string) {
	left := notAfter.Sub(now)
	switch {
	case left < failWithin:
		status, fix = Fail, "renew the certificate of "+host+" (cert-manager: kubectl cert-manager renew)"
	case left < warnWithin:
		status, fix = Warn, "renew the certificate of "+host+" soon"
	default:
		status = Pass
	}
	return status, fix, fmt.Sprintf("%s expires in %s", host, humanDuration(left))
}

// worse reports whether a is a worse status than b (Fail > Warn > Pass).
func worse(a, b Status) bool {
	rank := map[Status]int{Pass: 0, Skip: 0, Warn: 1, Fail: 2}
	return rank[a] > rank[b]
}

// humanDuration prints days, or hours under two days; an expired
// certificate shows a negative figure.
func humanDuration(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
