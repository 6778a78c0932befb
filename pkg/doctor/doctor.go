// Package doctor checks a live authctl stack against its profile: health of
// Kratos, Hydra and Oathkeeper, OIDC discovery and JWKS, the issuer, clock
// skew, the kubectl client's redirect URIs, Oathkeeper decisions without a
// session, the cookie domain, TLS expiry, the profile's dead ends
// (profile.Warnings) and the Secrets the user must create. Each check gives a status, a
// one-line message and, on failure, a one-line fix.
package doctor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authctl/authctl/pkg/profile"
)

// Status of one check.
type Status string

// Statuses. Only Fail makes the report fail.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check is the result of one check.
type Check struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// Report is every check, in a fixed order.
type Report struct {
	Profile string  `json:"profile"`
	Checks  []Check `json:"checks"`
	Failed  int     `json:"failed"`
}

// Options configure Run.
type Options struct {
	Profile   *profile.Profile
	Endpoints Endpoints
	// Issuer is the issuer Hydra must report (default: the profile's).
	Issuer string
	// TLSConfig is used for every https endpoint (nil: system roots).
	TLSConfig *tls.Config
	// Timeout bounds each request (default 5s).
	Timeout time.Duration
	// MaxSkew is the largest clock difference that passes (default 10s).
	MaxSkew time.Duration
	// TLSFailWithin fails a certificate that expires sooner (default 7 days);
	// TLSWarnWithin warns (default 21 days).
	TLSFailWithin, TLSWarnWithin time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Secrets looks up the Secrets the user must create (nil: no cluster
	// connection; those checks are skipped).
	Secrets SecretLister
	// Kubeconfig and Context are the --kubeconfig and --context the user
	// gave; every kubectl line of a fix carries them, so it works when
	// followed.
	Kubeconfig, Context string
	// Forwarded is true when the admin and public endpoints without a
	// flag are port-forwards doctor opened itself; they close when it ends,
	// so no fix may name their URLs.
	Forwarded bool
}

// doctor is what every check reads and none changes: the options, the
// profile's wiring and the HTTP client. A check is a function of it, the
// context and, for the checks that read the discovery document, that
// document (fetched once, before the checks, as their explicit input).
type doctor struct {
	o      Options
	w      profile.Wiring
	client *http.Client
}

// Run runs every check and never stops at the first failure.
func Run(ctx context.Context, o Options) Report {
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = 10 * time.Second
	}
	if o.TLSFailWithin == 0 {
		o.TLSFailWithin = 7 * 24 * time.Hour
	}
	if o.TLSWarnWithin == 0 {
		o.TLSWarnWithin = 21 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &doctor{o: o, w: o.Profile.Wiring()}
	if o.Issuer == "" {
		d.o.Issuer = d.w.IssuerURL
	}
	d.client = &http.Client{
		Timeout:       o.Timeout,
		Transport:     &http.Transport{TLSClientConfig: o.TLSConfig, Proxy: http.ProxyFromEnvironment},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// The discovery document is an input of four checks, read once here;
	// no check leaves state for another.
	disc := d.discover(ctx)
	checks := []struct {
		name string
		run  func(context.Context) Check
	}{
		{"kratos-health", d.kratosHealth},
		{"hydra-health", d.hydraHealth},
		{"oathkeeper-health", d.oathkeeperHealth},
		{"issuer-discovery", func(context.Context) Check { return disc.check }},
		{"issuer-match", func(context.Context) Check { return judgeIssuer(disc.Issuer, d.o.Issuer) }},
		{"jwks", func(ctx context.Context) Check { return d.jwks(ctx, disc) }},
		{"clock-skew", func(context.Context) Check { return judgeClockSkew(d.o.Now(), disc.date, d.o.MaxSkew) }},
		{"kubectl-redirect-uris", d.kubectlRedirectURIs},
		{"decisions-without-session", d.decisions},
		{"rules-served", d.rulesServed},
		{"cookie-domain", d.cookieDomain},
		{"tls-expiry", d.tlsExpiry},
	}
	r := Report{Profile: o.Profile.Metadata.Name}
	for _, c := range checks {
		res := c.run(ctx)
		res.Name = c.name
		r.Checks = append(r.Checks, res)
	}
	// Then what the profile leaves to the user: its dead ends, and the
	// Secrets to create, one check each.
	r.Checks = append(r.Checks, d.warningChecks()...)
	r.Checks = append(r.Checks, d.secretChecks(ctx)...)
	for _, c := range r.Checks {
		if c.Status == Fail {
			r.Failed++
		}
	}
	return r
}

func pass(format string, args ...any) Check {
	return Check{Status: Pass, Message: fmt.Sprintf(format, args...)}
}
func skip(format string, args ...any) Check {
	return Check{Status: Skip, Message: fmt.Sprintf(format, args...)}
}
func fail(fix, format string, args ...any) Check {
	return Check{Status: Fail, Message: fmt.Sprintf(format, args...), Fix: fix}
}
func warn(fix, format string, args ...any) Check {
	return Check{Status: Warn, Message: fmt.Sprintf(format, args...), Fix: fix}
}

// join appends a path to a base URL that may lack a trailing slash.
func join(base, path string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
}

// get performs a GET and returns the response with its body read.
func (d *doctor) get(ctx context.Context, u string, hdr http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := d.client.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		// "GET URL: cause" once, not url.Error's "Get \"URL\": cause" inside it.
		return nil, nil, fmt.Errorf("GET %s: %w", u, ue.Err)
	}
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, body, err
}

func fileOf(p *profile.Profile) string {
	if p.Source == "" {
		return "profile.yaml"
	}
	return p.Source
}
