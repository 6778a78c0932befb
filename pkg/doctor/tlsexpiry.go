package doctor

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// tlsExpiry reads the certificate of every https endpoint, verified or not:
// a verification failure shows up in the other checks, expiry only here.
func (d *doctor) tlsExpiry(ctx context.Context) Check {
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
		conn, err := dialer.DialContext(ctx, "tcp", host)
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
