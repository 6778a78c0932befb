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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
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

type doctor struct {
	o      Options
	w      profile.Wiring
	client *http.Client
	ctx    context.Context

	discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	discoveryDate time.Time
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
	d := &doctor{o: o, w: o.Profile.Wiring(), ctx: ctx}
	if o.Issuer == "" {
		d.o.Issuer = d.w.IssuerURL
	}
	d.client = &http.Client{
		Timeout:       o.Timeout,
		Transport:     &http.Transport{TLSClientConfig: o.TLSConfig, Proxy: http.ProxyFromEnvironment},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	checks := []struct {
		name string
		run  func() Check
	}{
		{"kratos-health", d.kratosHealth},
		{"hydra-health", d.hydraHealth},
		{"oathkeeper-health", d.oathkeeperHealth},
		{"issuer-discovery", d.issuerDiscovery},
		{"issuer-match", d.issuerMatch},
		{"jwks", d.jwks},
		{"clock-skew", d.clockSkew},
		{"kubectl-redirect-uris", d.kubectlRedirectURIs},
		{"decisions-without-session", d.decisions},
		{"cookie-domain", d.cookieDomain},
		{"tls-expiry", d.tlsExpiry},
	}
	r := Report{Profile: o.Profile.Metadata.Name}
	for _, c := range checks {
		res := c.run()
		res.Name = c.name
		r.Checks = append(r.Checks, res)
	}
	// Then what the profile leaves to the user: its dead ends, and the
	// Secrets to create, one check each.
	r.Checks = append(r.Checks, d.warningChecks()...)
	r.Checks = append(r.Checks, d.secretChecks()...)
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
func (d *doctor) get(u string, hdr http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodGet, u, nil)
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

// endpoint is one API a health check probes: its URL and the Service and
// flag behind it, from which the fix is worked out.
type endpoint struct {
	label, url, service string
	port                int
	flag                string
}

// isLoopback reports a URL on this machine: a port-forward, as a rule.
func isLoopback(raw string) (port string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	h := u.Hostname()
	if h == "localhost" {
		return u.Port(), true
	}
	ip := net.ParseIP(h)
	return u.Port(), ip != nil && ip.IsLoopback()
}

// unreachableFix is the one-line fix for an endpoint that cannot be
// reached. A loopback URL is a port-forward that was already passed, so the
// fix restarts the forward instead of repeating the flag.
func (d *doctor) unreachableFix(e endpoint, err error) string {
	if local, ok := isLoopback(e.url); ok {
		if local == "" {
			local = strconv.Itoa(e.port)
		}
		cause := "nothing answers there"
		if errors.Is(err, syscall.ECONNREFUSED) {
			cause = "the connection was refused"
		}
		return fmt.Sprintf("is the port-forward running? (%s) restart it: %s port-forward svc/%s %s:%d, or let doctor forward it: --kubeconfig/--context", cause, d.kubectl(), e.service, local, e.port)
	}
	return fmt.Sprintf("%s port-forward svc/%s %d, then pass --%s http://127.0.0.1:%d/ (or give --kubeconfig/--context and doctor forwards every Service itself)", d.kubectl(), e.service, e.port, e.flag, e.port)
}

// kubectl is the start of a kubectl line in a fix: the user's kubeconfig
// and context, and the stack's namespace.
func (d *doctor) kubectl() string { return Kubectl(d.o.Kubeconfig, d.o.Context, d.w.Namespace) }

// Kubectl is the start of a kubectl line in a fix or hint: the kubeconfig
// and context the user gave, then the namespace; an empty one is left out.
func Kubectl(kubeconfig, context, namespace string) string {
	s := "kubectl"
	if kubeconfig != "" {
		s += " --kubeconfig " + kubeconfig
	}
	if context != "" {
		s += " --context " + context
	}
	if namespace != "" {
		s += " -n " + namespace
	}
	return s
}

// notReadyFix is the fix for an endpoint that answers but is not ready.
func (d *doctor) notReadyFix(e endpoint) string {
	return fmt.Sprintf("%s get pods; %s logs svc/%s", d.kubectl(), d.kubectl(), e.service)
}

// ready checks /health/ready on each endpoint.
func (d *doctor) ready(component string, enabled bool, endpoints ...endpoint) Check {
	if !enabled {
		return skip("%s is disabled in the profile", component)
	}
	var ok []string
	for _, e := range endpoints {
		u := join(e.url, "health/ready")
		resp, body, err := d.get(u, nil)
		if err != nil {
			return fail(d.unreachableFix(e, err), "%s %s: %v", component, e.label, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fail(d.notReadyFix(e), "%s %s: GET %s: HTTP %d: %s", component, e.label, u, resp.StatusCode, firstLine(body))
		}
		ok = append(ok, e.label)
	}
	return pass("%s %s ready", component, strings.Join(ok, " and "))
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func (d *doctor) kratosHealth() Check {
	e, w := d.o.Endpoints, d.w
	return d.ready("Kratos", profile.On(d.o.Profile.Spec.Components.Kratos.Enabled),
		endpoint{"public", e.KratosPublic, w.KratosPublicService, profile.KratosPublicPort, "kratos-public-url"},
		endpoint{"admin", join(e.KratosAdmin, "admin"), w.KratosAdminService, profile.KratosAdminPort, "kratos-admin-url"})
}

func (d *doctor) hydraHealth() Check {
	e, w := d.o.Endpoints, d.w
	return d.ready("Hydra", d.hydraOn(),
		endpoint{"public", e.HydraPublic, w.HydraPublicService, profile.HydraPublicPort, "hydra-public-url"},
		endpoint{"admin", e.HydraAdmin, w.HydraAdminService, profile.HydraAdminPort, "hydra-admin-url"})
}

func (d *doctor) oathkeeperHealth() Check {
	return d.ready("Oathkeeper", profile.On(d.o.Profile.Spec.Components.Oathkeeper.Enabled),
		endpoint{"api", d.o.Endpoints.OathkeeperAPI, d.w.OathkeeperAPIService, profile.OathkeeperAPIPort, "oathkeeper-api-url"})
}

func (d *doctor) hydraOn() bool { return profile.On(d.o.Profile.Spec.Components.Hydra.Enabled) }

func (d *doctor) issuerDiscovery() Check {
	if !d.hydraOn() {
		return skip("Hydra is disabled in the profile")
	}
	u := join(d.o.Endpoints.HydraPublic, ".well-known/openid-configuration")
	fix := "check Hydra's urls.self.issuer and that " + d.o.Endpoints.HydraPublic + " routes to Hydra public (or pass --hydra-public-url)"
	resp, body, err := d.get(u, nil)
	if err != nil {
		return fail(fix, "%v", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fix, "GET %s: HTTP %d", u, resp.StatusCode)
	}
	if err := json.Unmarshal(body, &d.discovery); err != nil || d.discovery.Issuer == "" {
		return fail(fix, "GET %s: not an OpenID discovery document", u)
	}
	d.discoveryDate, _ = http.ParseTime(resp.Header.Get("Date"))
	return pass("discovery at %s", u)
}

func (d *doctor) issuerMatch() Check { return judgeIssuer(d.discovery.Issuer, d.o.Issuer) }

// jwks fetches the key set at the path discovery names, from the endpoint
// doctor was given (the issuer host may not resolve from here).
func (d *doctor) jwks() Check {
	if d.discovery.JWKSURI == "" {
		return skip("no discovery document")
	}
	ju, err := url.Parse(d.discovery.JWKSURI)
	if err != nil {
		return fail("check Hydra's urls.self.public", "jwks_uri %q: %v", d.discovery.JWKSURI, err)
	}
	u := join(d.o.Endpoints.HydraPublic, ju.Path)
	resp, body, err := d.get(u, nil)
	if err != nil {
		return fail(jwksFix, "%v", err)
	}
	return judgeJWKS(u, resp.StatusCode, body)
}

func (d *doctor) clockSkew() Check { return judgeClockSkew(d.o.Now(), d.discoveryDate, d.o.MaxSkew) }

// registerClientFix is the fix for a kubectl client Hydra lacks or has
// wrong: kubeconfig setup through the Hydra admin URL doctor used, or,
// when that was doctor's own port-forward (closed when it ends), through a
// forward the person starts and keeps.
func (d *doctor) registerClientFix() string {
	if d.o.Forwarded {
		// setup forwards Hydra's admin Service itself, as doctor did.
		fix := "authctl kubeconfig setup -f " + fileOf(d.o.Profile)
		if d.o.Kubeconfig != "" {
			fix += " --kubeconfig " + d.o.Kubeconfig
		}
		context := d.o.Context
		if context == "" {
			context = `"$(` + Kubectl(d.o.Kubeconfig, "", "") + ` config current-context)"`
		}
		return fix + " --admin-context " + context + " (registers the kubectl client through a port-forward of its own)"
	}
	return "authctl kubeconfig setup -f " + fileOf(d.o.Profile) + " --hydra-admin-url " + d.o.Endpoints.HydraAdmin + " (registers the kubectl client)"
}

func (d *doctor) kubectlRedirectURIs() Check {
	k := d.o.Profile.Spec.Kubernetes
	if !profile.On(k.Enabled) || !d.hydraOn() {
		return skip("kubectl login is disabled in the profile")
	}
	want := d.w.KubectlRedirectURIs
	fix := d.registerClientFix()
	u := join(d.o.Endpoints.HydraAdmin, "admin/clients/"+url.PathEscape(k.ClientID))
	resp, body, err := d.get(u, nil)
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
	return judgeRedirectURIs(k.ClientID, want, c.RedirectURIs, fix)
}

// decisions asks Oathkeeper about each protected host with no credentials,
// as a gateway would; anything but 401 or 302 means the host is open.
func (d *doctor) decisions() Check {
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
			resp, _, err := d.get(u, hdr)
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
func (d *doctor) cookieDomain() Check {
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
	resp, _, err := d.get(u, nil)
	if err != nil {
		return fail("see kratos-health", "%v", err)
	}
	return judgeKratosCookies(cd, len(hosts), resp.Cookies())
}

// tlsExpiry reads the certificate of every https endpoint, verified or not:
// a verification failure shows up in the other checks, expiry only here.
func (d *doctor) tlsExpiry() Check {
	e := d.o.Endpoints
	seen := map[string]bool{}
	var notes []string
	worst := Pass
	fix := ""
	for _, raw := range []string{e.KratosPublic, e.KratosAdmin, e.HydraPublic, e.HydraAdmin, e.OathkeeperAPI} {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || seen[u.Host] {
			continue
		}
		seen[u.Host] = true
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "443")
		}
		cfg := &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()} //nolint:gosec // only reads the expiry
		dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: d.o.Timeout}, Config: cfg}
		conn, err := dialer.DialContext(d.ctx, "tcp", host)
		if err != nil {
			worst, fix = Fail, "check the listener and certificate of "+u.Host
			notes = append(notes, fmt.Sprintf("%s: %v", u.Host, err))
			continue
		}
		certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
		conn.Close()
		if len(certs) == 0 {
			continue
		}
		status, certFix, note := certExpiry(u.Host, certs[0].NotAfter, d.o.Now(), d.o.TLSFailWithin, d.o.TLSWarnWithin)
		if worse(status, worst) {
			worst, fix = status, certFix
		}
		notes = append(notes, note)
	}
	if len(notes) == 0 {
		return skip("no https endpoint")
	}
	return Check{Status: worst, Message: strings.Join(notes, "; "), Fix: fix}
}

func fileOf(p *profile.Profile) string {
	if p.Source == "" {
		return "profile.yaml"
	}
	return p.Source
}
