package browser

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e/stack"
)

// Edge stands in for what sits in front of the stack in a cluster (an
// ingress controller, a load balancer): the browser reaches every public
// host of the profile (auth.…, id.…, a protected tool) through it, by its
// real name and over HTTPS, so cookies keep the rendered domain and the
// Secure flag. It is the browser's proxy (Chromium's --proxy-server):
//
//   - a CONNECT to port 443 of a routed host is terminated with a
//     certificate for the routed hosts from a per-test CA, which the
//     browser trusts by its key alone (--ignore-certificate-errors-spki-list,
//     see SPKI), and the request goes to the host's backend on loopback
//     with Host kept and X-Forwarded-Proto/-Host/-For set, as
//     ingress-nginx does;
//   - a CONNECT to a loopback address (Hydra's harness issuer) is
//     tunnelled unchanged, and plain HTTP to loopback (an OAuth2 client's
//     redirect URI) is forwarded;
//   - anything else is refused (403) and counted in Refused: no name is
//     resolved and no traffic leaves loopback.
type Edge struct {
	// ProxyURL is http://127.0.0.1:PORT, the browser's proxy.
	ProxyURL string
	// CertPool trusts the edge's certificate (for Go clients).
	CertPool *x509.CertPool

	leaf    *stack.Leaf
	tlsAddr string
	mu      sync.Mutex
	routes  map[string]*url.URL
	refused []string
}

// StartEdge starts the edge with routes from public host to loopback base
// URL; both listeners stop on t.Cleanup.
func StartEdge(t testing.TB, routes map[string]string) *Edge {
	t.Helper()
	ca := stack.NewCA(t, "authctl e2e edge CA")
	var hosts []string
	e := &Edge{routes: map[string]*url.URL{}, CertPool: ca.Pool}
	for h, backend := range routes {
		u, err := url.Parse(backend)
		if err != nil {
			t.Fatalf("edge: route %s: %v", h, err)
		}
		e.routes[h] = u
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	e.leaf = ca.ServingCert(t, hosts...)
	tl, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{e.leaf.TLS}})
	if err != nil {
		t.Fatal(err)
	}
	e.tlsAddr = tl.Addr().String()
	tlsSrv := &http.Server{Handler: http.HandlerFunc(e.route), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = tlsSrv.Serve(tl) }()
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.ProxyURL = "http://" + pl.Addr().String()
	proxySrv := &http.Server{Handler: http.HandlerFunc(e.connect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = proxySrv.Serve(pl) }()
	t.Cleanup(func() { _ = proxySrv.Close(); _ = tlsSrv.Close() })
	return e
}

// SPKI is the base64 SHA-256 of the edge certificate's public key, for
// Chromium's --ignore-certificate-errors-spki-list: the browser trusts this
// one key, and verifies every other certificate as usual.
func (e *Edge) SPKI() string {
	return SPKIHash(e.leaf.TLS.Leaf)
}

// SPKIHash is a certificate's SPKI pin.
func SPKIHash(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Refused lists the CONNECT targets the edge refused.
func (e *Edge) Refused() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.refused...)
}

func (e *Edge) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		// Plain HTTP only to loopback (an OAuth2 client's or kubectl's
		// redirect URI); every public URL is https.
		if ip := net.ParseIP(r.URL.Hostname()); ip == nil || !ip.IsLoopback() || r.URL.Scheme != "http" {
			e.refuse(w, r.Method+" "+r.URL.String())
			return
		}
		target := &url.URL{Scheme: "http", Host: r.URL.Host}
		(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = pr.In.Host }}).ServeHTTP(w, r)
		return
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		e.refuse(w, r.Host)
		return
	}
	var target string
	e.mu.Lock()
	_, routed := e.routes[strings.ToLower(host)]
	e.mu.Unlock()
	switch ip := net.ParseIP(host); {
	case routed && port == "443":
		target = e.tlsAddr
	case ip != nil && ip.IsLoopback():
		target = r.Host
	default:
		e.refuse(w, r.Host)
		return
	}
	up, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "no hijack", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	conn, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if n := buf.Reader.Buffered(); n > 0 {
		b, _ := buf.Reader.Peek(n)
		_, _ = up.Write(b)
	}
	go func() { _, _ = io.Copy(up, conn); up.Close() }()
	go func() { _, _ = io.Copy(conn, up); conn.Close() }()
}

func (e *Edge) refuse(w http.ResponseWriter, what string) {
	e.mu.Lock()
	e.refused = append(e.refused, what)
	e.mu.Unlock()
	http.Error(w, "the test edge reaches only the stack's hosts and loopback", http.StatusForbidden)
}

// route sends a decrypted request to its host's backend.
func (e *Edge) route(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	e.mu.Lock()
	backend := e.routes[host]
	e.mu.Unlock()
	if backend == nil {
		http.Error(w, "no route for "+host, http.StatusNotFound)
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(backend)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		FlushInterval: -1,
	}
	rp.ServeHTTP(w, r)
}
