package gateway_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/serve/authz"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// attackProfile protects the same services on every target: grafana needs
// the admins group and gets the user in headers, the wiki needs a session,
// its /status is public (GET and HEAD), reports gets a reissued JWT, and
// docs reads oauth2-proxy's X-Auth-Request-* headers.
const attackProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: tools
  namespace: auth
spec:
  domain: corp.example.com
  kubernetes:
    enabled: false
  gateway:
    target: %s
    ingressClassName: nginx
    tlsSecretName: corp-example-com-tls
    denyAll: %t
  services:
    - name: grafana
      hosts: [grafana.corp.example.com]
      upstream: {service: grafana, namespace: monitoring, port: 3000}
      allow: [session]
      requiredGroups: [admins]
      forward: {mode: headers}
    - name: wiki
      hosts: [wiki.corp.example.com]
      paths: [/wiki, /api]
      upstream: {url: "http://wiki.tools.svc.cluster.local:8080"}
      allow: [session]
      forward: {mode: headers}
    - name: status
      hosts: [wiki.corp.example.com]
      paths: [/status]
      methods: [GET, HEAD]
      upstream: {url: "http://wiki.tools.svc.cluster.local:8080"}
      allow: [anonymous]
      forward: {mode: passthrough}
    - name: reports
      hosts: [reports.corp.example.com]
      upstream: {service: reports, namespace: tools, port: 8080}
      allow: [session]
      forward: {mode: reissue, ttl: 2m, audience: [reports]}
    - name: docs
      hosts: [docs.corp.example.com]
      upstream: {url: "http://docs.tools.svc.cluster.local:8080"}
      allow: [session, bearer]
      forward:
        mode: headers
        headers:
          subject: X-Auth-Request-User
          email: X-Auth-Request-Email
          groups: X-Auth-Request-Groups
          preferredUsername: X-Auth-Request-Preferred-Username
        claims:
          preferredUsername: traits.name
`

// gatewayTargets are every target that puts Oathkeeper in front of
// upstreams; istio runs with and without denyAll (istio-open), because
// without the ALLOW policy only the CUSTOM policy's hosts keep a request
// from bypassing Oathkeeper.
var gatewayTargets = []string{"envoy", "envoy-gateway", "istio", "istio-open", "ingress"}

func renderAttackProfile(t *testing.T, target string) e2e.Rendered {
	t.Helper()
	name, denyAll := target, true
	if target == "istio-open" {
		name, denyAll = "istio", false
	}
	p, err := profile.Parse("attack-"+target+".yaml", t.TempDir(), []byte(fmt.Sprintf(attackProfile, name, denyAll)))
	if err != nil {
		t.Fatal(err)
	}
	return e2e.RenderProfile(t, "attack-"+target, p)
}

// echoUpstream records what reached it, keyed by the X-Attack-Id header
// each attack carries.
type echoUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]*seenRequest
}

func newEchoUpstream(t *testing.T) *echoUpstream {
	e := &echoUpstream{seen: map[string]*seenRequest{}}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.seen[r.Header.Get("X-Attack-Id")] = &seenRequest{method: r.Method, target: r.RequestURI, header: r.Header.Clone()}
		e.mu.Unlock()
		fmt.Fprintln(w, "upstream")
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *echoUpstream) take(id string) *seenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.seen[id]
	delete(e.seen, id)
	return s
}

// gatewayUnderTest sends one attack through a target.
type gatewayUnderTest func(t *testing.T, a attack) outcome

// ingressGateway is the ingress target: the Ingress controller passes the
// request as received to the real Oathkeeper proxy, which forwards allowed
// requests to the real echo upstream.
func ingressGateway(o *stack.Oathkeeper, up *echoUpstream) gatewayUnderTest {
	proxy := strings.TrimSuffix(strings.TrimPrefix(o.ProxyURL, "http://"), "/")
	n := 0
	var mu sync.Mutex
	return func(t *testing.T, a attack) outcome {
		mu.Lock()
		n++
		id := fmt.Sprintf("a%d", n)
		mu.Unlock()
		hdr := a.header.Clone()
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("X-Attack-Id", id)
		// The controller terminates TLS and says so.
		hdr.Set("X-Forwarded-Proto", "https")
		resp := rawHTTP(t, proxy, a.method, a.target, a.host, hdr)
		return outcome{status: resp.status, location: resp.header.Get("Location"), upstream: up.take(id)}
	}
}

// sessions are the real Kratos sessions the attacks use.
type sessions struct {
	admin, staff, leaver, loggedOut string // Cookie header values
	adminID                         string
	adminToken                      string // a Kratos session token (API login)
}

// verdict checks one outcome; it returns "" when it holds.
type verdict func(o outcome) string

// denied: the upstream saw nothing and the client got no 2xx.
func denied(o outcome) string {
	if o.upstream != nil || (o.status >= 200 && o.status < 300) {
		return "want denied, got " + o.String()
	}
	return ""
}

func allowed(o outcome) string {
	if o.status != http.StatusOK || o.upstream == nil {
		return "want allowed, got " + o.String()
	}
	return ""
}

func status(code int) verdict {
	return func(o outcome) string {
		if o.status != code || (code >= 300 && o.upstream != nil) {
			return fmt.Sprintf("want %d, got %s", code, o)
		}
		return ""
	}
}

// allowedWith: allowed, and each header is what the upstream saw ("" means
// absent or empty).
func allowedWith(want map[string]string) verdict {
	return func(o outcome) string {
		if msg := allowed(o); msg != "" {
			return msg
		}
		for k, v := range want {
			if got := strings.Join(o.upstream.header.Values(k), ","); got != v {
				return fmt.Sprintf("upstream saw %s = %q, want %q", k, got, v)
			}
		}
		return ""
	}
}

// neverServes: whatever the status, the upstream did not get a request
// that a normalising server resolves to a path under prefix.
func neverServes(prefix string) verdict {
	return func(o outcome) string {
		if o.upstream == nil {
			return ""
		}
		p, _, _ := strings.Cut(o.upstream.target, "?")
		if u, err := url.Parse(p); err == nil && u.IsAbs() {
			p = u.EscapedPath()
		}
		for i := 0; i < 3; i++ { // decode up to three times, as careless servers do
			if d, err := url.PathUnescape(p); err == nil {
				p = d
			}
		}
		p = path.Clean("/" + strings.ReplaceAll(p, `\`, "/"))
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return fmt.Sprintf("upstream served %s (%s) for %s", o.upstream.target, p, prefix)
		}
		return ""
	}
}

func both(vs ...verdict) verdict {
	return func(o outcome) string {
		for _, v := range vs {
			if msg := v(o); msg != "" {
				return msg
			}
		}
		return ""
	}
}

type attackCase struct {
	name string
	// base is the request without its trick, and what it must get, so that
	// each denial proves something.
	base     attack
	baseWant verdict
	trick    attack
	want     verdict
}

func get1(host, target string, kv ...string) attack {
	return attack{method: "GET", host: host, target: target, header: header(kv...)}
}

const (
	wiki    = "wiki.corp.example.com"
	docs    = "docs.corp.example.com"
	grafana = "grafana.corp.example.com"
	reports = "reports.corp.example.com"
)

func attackCases(s sessions, master string) []attackCase {
	json := []string{"Accept", "application/json"}
	with := func(kv ...string) []string { return append(append([]string{}, json...), kv...) }
	neutral := map[string]string{"X-User-Id": "", "X-User-Email": "", "X-User-Groups": "", render.GatewaySecretHeader: "",
		"X-Auth-Request-User": "", "X-Auth-Request-Email": "", "X-Auth-Request-Groups": "", "X-Auth-Request-Preferred-Username": ""}
	oauth2Proxy := []string{"X-Auth-Request-User", "admin", "X-Auth-Request-Email", "boss@corp.example.com",
		"X-Auth-Request-Groups", "admins", "X-Auth-Request-Preferred-Username", "boss"}
	docsAdmin := map[string]string{"X-Auth-Request-User": s.adminID, "X-Auth-Request-Email": "admin@corp.example.com",
		"X-Auth-Request-Groups": "admins", "X-Auth-Request-Preferred-Username": "Test admin@corp.example.com",
		"X-User-Id": "", "X-User-Email": "", "X-User-Groups": ""}
	return []attackCase{
		// X-Forwarded-* spoofing: the decision is about the request itself.
		{"x-forwarded-uri and -method make a DELETE look like GET /status",
			attack{"DELETE", wiki, "/api/pages/1", header(json...)}, status(401),
			attack{"DELETE", wiki, "/api/pages/1", header(with("X-Forwarded-Uri", "/status", "X-Forwarded-Method", "GET")...)}, denied},
		{"x-forwarded-host of the wiki skips grafana's group check",
			get1(grafana, "/status", with("Cookie", s.staff)...), status(403),
			get1(grafana, "/status", with("Cookie", s.staff, "X-Forwarded-Host", wiki)...), denied},
		{"x-forwarded-host and -uri together",
			get1(grafana, "/api/admin/users", with("Cookie", s.staff)...), status(403),
			get1(grafana, "/api/admin/users", with("Cookie", s.staff, "X-Forwarded-Host", wiki, "X-Forwarded-Uri", "/status")...), denied},
		{"x-forwarded-host of a declared host on an undeclared one",
			get1("secret.corp.example.com", "/status", json...), denied,
			get1("secret.corp.example.com", "/status", with("X-Forwarded-Host", wiki)...), denied},
		{"x-forwarded-uri alone points a protected path at the public one",
			get1(wiki, "/api/pages", json...), status(401),
			get1(wiki, "/api/pages", with("X-Forwarded-Uri", "/status")...), denied},
		{"x-forwarded-proto cannot steer the login redirect",
			get1(wiki, "/wiki/Home", "Accept", "text/html"), status(302),
			get1(wiki, "/wiki/Home", "Accept", "text/html", "X-Forwarded-Proto", "javascript"), func(o outcome) string {
				if msg := status(302)(o); msg != "" {
					return msg
				}
				if strings.Contains(strings.ToLower(o.location), "javascript") {
					return "the redirect carries the client's scheme: " + o.location
				}
				return ""
			}},
		{"x-forwarded-prefix and -for change nothing",
			get1(wiki, "/api/pages", json...), status(401),
			get1(wiki, "/api/pages", with("X-Forwarded-Prefix", "/status", "X-Forwarded-For", "127.0.0.1")...), denied},
		// Routing and method overrides some upstream frameworks honour.
		{"x-original-url never reaches the upstream",
			get1(wiki, "/status"), allowed,
			get1(wiki, "/status", "X-Original-URL", "/api/pages/1"), allowedWith(map[string]string{"X-Original-Url": ""})},
		{"x-rewrite-url never reaches the upstream",
			get1(wiki, "/status"), allowed,
			get1(wiki, "/status", "X-Rewrite-URL", "/api/pages/1"), allowedWith(map[string]string{"X-Rewrite-Url": ""})},
		{"x-http-method-override never reaches the upstream",
			get1(wiki, "/status"), allowed,
			get1(wiki, "/status", "X-HTTP-Method-Override", "DELETE", "X-HTTP-Method", "DELETE", "X-Method-Override", "DELETE"),
			allowedWith(map[string]string{"X-Http-Method-Override": "", "X-Http-Method": "", "X-Method-Override": ""})},
		// Spoofed identity headers and the gateway secret.
		{"identity headers on a public route",
			get1(wiki, "/status"), allowedWith(neutral),
			get1(wiki, "/status", "X-User-Id", "admin", "X-User-Email", "boss@corp.example.com", "X-User-Groups", "admins", render.GatewaySecretHeader, master),
			allowedWith(neutral)},
		{"identity headers next to a real session are replaced",
			get1(grafana, "/d/1", "Cookie", s.admin), allowedWith(map[string]string{"X-User-Id": s.adminID, "X-User-Groups": "admins"}),
			get1(grafana, "/d/1", "Cookie", s.admin, "X-User-Id", "someone-else", "X-User-Groups", "admins,root"),
			allowedWith(map[string]string{"X-User-Id": s.adminID, "X-User-Groups": "admins", "X-User-Email": "admin@corp.example.com"})},
		{"a spoofed groups header does not pass the group check",
			get1(grafana, "/d/1", with("Cookie", s.staff)...), status(403),
			get1(grafana, "/d/1", with("Cookie", s.staff, "X-User-Groups", "admins")...), denied},
		{"each upstream gets its own secret",
			get1(grafana, "/d/1", "Cookie", s.admin), allowedWith(map[string]string{render.GatewaySecretHeader: render.UpstreamSecret(master, "grafana")}),
			get1(wiki, "/api/pages", "Cookie", s.admin), allowedWith(map[string]string{render.GatewaySecretHeader: render.UpstreamSecret(master, "wiki")})},
		{"identity headers on a reissue route",
			get1(reports, "/q3", "Cookie", s.admin), allowedWith(neutral),
			get1(reports, "/q3", "Cookie", s.admin, "X-User-Id", "admin", "X-User-Groups", "admins"), allowedWith(neutral)},
		// Header names one service renames are every service's identity.
		{"another service's identity header names on a public route",
			get1(wiki, "/status"), allowedWith(neutral),
			get1(wiki, "/status", oauth2Proxy...), allowedWith(neutral)},
		{"another service's identity header names on a session route",
			get1(wiki, "/api/pages", "Cookie", s.admin), allowedWith(map[string]string{"X-Auth-Request-Email": "", "X-Auth-Request-User": ""}),
			get1(wiki, "/api/pages", append([]string{"Cookie", s.admin}, oauth2Proxy...)...), allowedWith(map[string]string{"X-Auth-Request-Email": "", "X-Auth-Request-User": "", "X-Auth-Request-Groups": "", "X-Auth-Request-Preferred-Username": ""})},
		{"renamed identity headers next to a real session are replaced",
			get1(docs, "/guide", "Cookie", s.admin), allowedWith(docsAdmin),
			get1(docs, "/guide", append([]string{"Cookie", s.admin, "X-User-Id", "admin"}, oauth2Proxy...)...), allowedWith(docsAdmin)},
		{"a Kratos session token never reaches a headers-mode upstream",
			get1(docs, "/guide", "Cookie", s.admin, "Authorization", "Basic c29tZW9uZQ=="), allowedWith(map[string]string{"Authorization": "", "X-Auth-Request-User": s.adminID}),
			get1(docs, "/guide", "Authorization", "Bearer "+s.adminToken), allowedWith(map[string]string{"Authorization": "", "X-Auth-Request-User": s.adminID})},
		// The Kratos session cookie is the user's whole account: an
		// upstream that gets an identity or a token of its own never sees
		// it, whatever else the request carried; the app's cookies stay.
		{"the Kratos session cookie next to the app's own cookies",
			get1(wiki, "/api/pages", "Cookie", s.admin), allowedWith(map[string]string{"Cookie": ""}),
			get1(wiki, "/api/pages", "Cookie", "theme=dark; "+s.admin+"; lang=en"), allowedWith(map[string]string{"Cookie": "theme=dark; lang=en"})},
		{"the Kratos session cookie in a second Cookie header line",
			get1(grafana, "/d/1", "Cookie", "theme=dark", "Cookie", s.admin), allowedWith(map[string]string{"Cookie": "theme=dark"}),
			get1(grafana, "/d/1", "Cookie", s.admin, "Cookie", s.admin+"; lang=en"), allowedWith(map[string]string{"Cookie": "lang=en"})},
		{"the Kratos session cookie never reaches a reissue upstream",
			get1(reports, "/q1", "Cookie", s.admin), allowedWith(map[string]string{"Cookie": ""}),
			get1(reports, "/q1", "Cookie", "a=1;"+s.admin+";b=2"), allowedWith(map[string]string{"Cookie": "a=1; b=2"})},
		{"a passthrough upstream gets the request as sent",
			get1(wiki, "/status"), allowedWith(map[string]string{"Cookie": ""}),
			get1(wiki, "/status", "Cookie", "theme=dark; "+s.admin), allowedWith(map[string]string{"Cookie": "theme=dark; " + s.admin})},
		{"renamed identity headers without a session",
			get1(docs, "/guide", json...), status(401),
			get1(docs, "/guide", with(oauth2Proxy...)...), status(401)},
		{"duplicate identity headers",
			get1(wiki, "/status"), allowedWith(neutral),
			attack{"GET", wiki, "/status", http.Header{"X-User-Id": {"a", "b"}, "X-User-Groups": {"admins", "root"}}}, allowedWith(neutral)},
		// Path tricks: what a rule allowed is what the upstream serves.
		{"dot segments", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/../api/pages", json...), neverServes("/api")},
		{"encoded slash", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/..%2fapi/pages", json...), neverServes("/api")},
		{"encoded dots", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/%2e%2e/api/pages", json...), neverServes("/api")},
		{"encoded backslash", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/..%5capi/pages", json...), neverServes("/api")},
		{"double encoding", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/%252e%252e/api/pages", json...), neverServes("/api")},
		{"tomcat path parameter", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/..;/api/pages", json...), neverServes("/api")},
		{"double slashes", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status//..//api/pages", json...), neverServes("/api")},
		{"absolute-form target", get1(wiki, "/status/x", json...), allowed,
			get1(wiki, "http://"+wiki+"/status/../api/pages", json...), neverServes("/api")},
		{"absolute-form target naming another host", get1(grafana, "/d/1", with("Cookie", s.staff)...), status(403),
			get1(wiki, "http://"+grafana+"/d/1", with("Cookie", s.staff)...), denied},
		// Host tricks.
		{"trailing dot", get1(wiki, "/api/pages", json...), status(401), get1(wiki+".", "/api/pages", json...), denied},
		{"mixed case", get1(wiki, "/api/pages", json...), status(401), get1("WIKI.Corp.Example.com", "/api/pages", json...), denied},
		{"explicit port", get1(wiki, "/api/pages", json...), status(401), get1(wiki+":443", "/api/pages", json...), denied},
		{"mixed-case host with a session outside the group", get1(grafana, "/d/1", with("Cookie", s.staff)...), status(403),
			get1("Grafana.corp.example.com", "/d/1", with("Cookie", s.staff)...), denied},
		{"undeclared host with a valid session", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			get1("admin.corp.example.com", "/api/pages", with("Cookie", s.admin)...), denied},
		// Methods.
		{"a method the public route does not allow", get1(wiki, "/status", json...), allowed,
			attack{"DELETE", wiki, "/status", header(json...)}, status(401)},
		{"TRACE with a valid session", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			attack{"TRACE", wiki, "/api/pages", header(with("Cookie", s.admin)...)}, denied},
		{"an unknown method", get1(wiki, "/status", json...), allowed,
			attack{"BREW", wiki, "/status", header(json...)}, denied},
		{"WebDAV on a protected path", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			attack{"PROPFIND", wiki, "/api/pages", header(with("Cookie", s.admin)...)}, status(401)},
		// Stale, forged and foreign credentials.
		{"a forged session cookie", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			get1(wiki, "/api/pages", with("Cookie", "ory_kratos_session=MTY5forged")...), status(401)},
		{"a session cookie under another name", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			get1(wiki, "/api/pages", with("Cookie", "other_"+s.admin)...), status(401)},
		{"a logged-out session", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			get1(wiki, "/api/pages", with("Cookie", s.loggedOut)...), status(401)},
		{"a deactivated identity's session", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			get1(wiki, "/api/pages", with("Cookie", s.leaver)...), status(401)},
		{"the session cookie as a bearer token", get1(wiki, "/api/pages", with("Cookie", s.admin)...), allowed,
			get1(wiki, "/api/pages", with("Authorization", "Bearer "+strings.TrimPrefix(s.admin, "ory_kratos_session="))...), status(401)},
	}
}

// TestAdversarialGateways sends every attack, and the same request without
// its trick, through each gateway target: the real Oathkeeper with what
// render produced for that target, behind the real Oathkeeper proxy
// (ingress) or a stand-in built from the rendered data-plane config
// (envoy, envoy-gateway, istio; see dataplane_test.go).
func TestAdversarialGateways(t *testing.T) {
	stack.Require(t)
	base := renderAttackProfile(t, "ingress")
	k := e2e.StartKratos(t, base, func(cfg map[string]any) {
		delete(e2e.Get(cfg, "session.cookie").(map[string]any), "domain")
		delete(cfg["cookies"].(map[string]any), "domain")
	})
	ps := &protectStack{r: base, kratos: k}
	adminID := ps.createIdentity(t, "admin@corp.example.com", "a-long-test-password-1", []string{"admins"})
	ps.createIdentity(t, "staff@corp.example.com", "a-long-test-password-2", []string{"staff"})
	leaverID := ps.createIdentity(t, "leaver@corp.example.com", "a-long-test-password-3", []string{"admins"})
	ps.createIdentity(t, "gone@corp.example.com", "a-long-test-password-4", []string{"admins"})
	cookie := func(c *http.Cookie) string { return c.Name + "=" + c.Value }
	s := sessions{adminID: adminID,
		admin:      cookie(ps.browserLogin(t, "admin@corp.example.com", "a-long-test-password-1")),
		staff:      cookie(ps.browserLogin(t, "staff@corp.example.com", "a-long-test-password-2")),
		leaver:     cookie(ps.browserLogin(t, "leaver@corp.example.com", "a-long-test-password-3")),
		loggedOut:  cookie(ps.browserLogin(t, "gone@corp.example.com", "a-long-test-password-4")),
		adminToken: ps.apiLogin(t, "admin@corp.example.com", "a-long-test-password-1"),
	}
	// The leaver is deactivated; the other user logs out (all sessions revoked).
	e2e.DoJSON(t, http.DefaultClient, "PATCH", k.AdminURL+"admin/identities/"+leaverID, []map[string]any{{"op": "replace", "path": "/state", "value": "inactive"}}, http.StatusOK, nil)
	var gone []struct{ ID string }
	e2e.DoJSON(t, http.DefaultClient, "GET", k.AdminURL+"admin/identities?credentials_identifier=gone@corp.example.com", nil, http.StatusOK, &gone)
	e2e.DoJSON(t, http.DefaultClient, "DELETE", k.AdminURL+"admin/identities/"+gone[0].ID+"/sessions", nil, http.StatusNoContent, nil)

	authzSrv := httptest.NewServer(authz.Handler(slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(authzSrv.Close)
	master := base.Secrets.Oathkeeper.HeaderSecret
	cases := attackCases(s, master)
	if len(cases) < 25 {
		t.Fatalf("only %d attacks", len(cases))
	}
	for _, target := range gatewayTargets {
		t.Run(target, func(t *testing.T) {
			r := renderAttackProfile(t, target)
			up := newEchoUpstream(t)
			o := startOathkeeperFor(t, r, k, authzSrv.URL+"/authorize", up.URL)
			api := strings.TrimSuffix(strings.TrimPrefix(o.APIURL, "http://"), "/")
			var gw gatewayUnderTest
			switch target {
			case "envoy":
				gw = envoyDataPlane(t, r, api).do
			case "envoy-gateway":
				gw = envoyGatewayDataPlane(t, r, api).do
			case "istio", "istio-open":
				gw = istioDataPlane(t, r, api).do
			case "ingress":
				gw = ingressGateway(o, up)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					if msg := c.baseWant(gw(t, c.base)); msg != "" {
						t.Fatalf("without the trick: %s", msg)
					}
					if msg := c.want(gw(t, c.trick)); msg != "" {
						t.Errorf("with the trick: %s", msg)
					}
				})
			}
		})
	}
}
