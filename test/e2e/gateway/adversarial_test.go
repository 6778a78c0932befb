package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/serve/authz"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// attackProfile protects the same services on every target: grafana needs
// the admins group and gets the user in headers, the wiki needs a session,
// its /status is public (GET and HEAD) and so are its /forms (GET and
// POST; every other method is denied), reports gets a reissued JWT, docs
// reads oauth2-proxy's X-Auth-Request-* headers, and api takes Hydra's JWTs
// for its own audience.
const attackProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: tools
  namespace: auth
spec:
  domain: corp.example.com
  kubernetes:
    enabled: false
  hydra:
    accessTokenStrategy: jwt
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
    - name: forms
      hosts: [wiki.corp.example.com]
      paths: [/forms]
      methods: [GET, POST]
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
    - name: api
      hosts: [api.corp.example.com]
      upstream: {url: "http://api.tools.svc.cluster.local:8080"}
      allow: [jwt]
      audience: [https://api.corp.example.com]
      forward: {mode: headers}
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

// sessions are the real Kratos sessions and Hydra tokens the attacks use.
type sessions struct {
	admin, staff, leaver, loggedOut string // Cookie header values
	adminID                         string
	adminToken                      string // a Kratos session token (API login)
	// newcomer registered themselves: no metadata_public, no name, an
	// unverified email. changer was vouched for, then changed traits.email
	// (unverified) and traits.name.
	newcomer, changer     string
	newcomerID, changerID string
	// Hydra: a client-credentials token for api's audience, one of a
	// client that may not ask for it, and an id_token of a browser client.
	apiToken, otherClientToken, idToken string
	apiClient                           string
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
	api     = "api.corp.example.com"
)

// jwtClaims: allowed, and the reissued JWT in the upstream's
// Authorization carries these claims (compared as JSON).
func jwtClaims(want map[string]string) verdict {
	return func(o outcome) string {
		if msg := allowed(o); msg != "" {
			return msg
		}
		tok, ok := strings.CutPrefix(o.upstream.header.Get("Authorization"), "Bearer ")
		parts := strings.Split(tok, ".")
		if !ok || len(parts) != 3 {
			return "the upstream got no reissued JWT: " + o.upstream.header.Get("Authorization")
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]any
		if err == nil {
			err = json.Unmarshal(payload, &claims)
		}
		if err != nil {
			return "the reissued JWT does not decode: " + err.Error()
		}
		for k, v := range want {
			if got, _ := json.Marshal(claims[k]); string(got) != v {
				return fmt.Sprintf("the reissued JWT says %s = %s, want %s", k, got, v)
			}
		}
		return ""
	}
}

// either: one of the verdicts holds (a data plane that refuses a request
// and one that neutralizes it are both safe).
func either(vs ...verdict) verdict {
	return func(o outcome) string {
		var msgs []string
		for _, v := range vs {
			msg := v(o)
			if msg == "" {
				return ""
			}
			msgs = append(msgs, msg)
		}
		return strings.Join(msgs, "; or ")
	}
}

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
		// Segments some servers resolve as "..", and look-alikes of "."
		// that best-fit mappings turn into one (issue 20 #10): not under
		// the public rule.
		{"three dots", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/.../api/pages", json...), denied},
		{"dots and a space", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/..%20/api/pages", json...), denied},
		{"fullwidth full stops", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/%EF%BC%8E%EF%BC%8E/api/pages", json...), denied},
		{"two dot leader", get1(wiki, "/status/x", json...), allowed, get1(wiki, "/status/%E2%80%A5/api/pages", json...), denied},
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
		// People as they are (issue 19): no metadata_public, no name, an
		// unverified or changed email, HEAD. Never 500; requiredGroups 403;
		// only a verified address forwarded.
		{"an identity without metadata_public on a headers route",
			get1(wiki, "/api/pages", "Cookie", s.admin), allowedWith(map[string]string{"X-User-Email": "admin@corp.example.com", "X-User-Groups": "admins"}),
			get1(wiki, "/api/pages", "Cookie", s.newcomer), allowedWith(map[string]string{"X-User-Id": s.newcomerID, "X-User-Email": "", "X-User-Groups": ""})},
		{"an identity without metadata_public on a requiredGroups route",
			get1(grafana, "/d/1", with("Cookie", s.staff)...), status(403),
			get1(grafana, "/d/1", with("Cookie", s.newcomer)...), status(403)},
		{"an identity without name or metadata_public on renamed headers",
			get1(docs, "/guide", "Cookie", s.admin), allowedWith(docsAdmin),
			get1(docs, "/guide", "Cookie", s.newcomer), allowedWith(map[string]string{"X-Auth-Request-User": s.newcomerID, "X-Auth-Request-Email": "", "X-Auth-Request-Groups": "", "X-Auth-Request-Preferred-Username": ""})},
		{"an identity without metadata_public on a reissue route",
			get1(reports, "/q1", "Cookie", s.admin), jwtClaims(map[string]string{"email": `"admin@corp.example.com"`, "groups": `["admins"]`}),
			get1(reports, "/q1", "Cookie", s.newcomer), jwtClaims(map[string]string{"sub": `"` + s.newcomerID + `"`, "email": `""`, "groups": `[]`})},
		{"HEAD with a valid session on a headers route",
			get1(wiki, "/api/pages", "Cookie", s.admin), allowed,
			attack{"HEAD", wiki, "/api/pages", header("Cookie", s.admin)}, allowedWith(map[string]string{"X-User-Id": s.adminID})},
		{"HEAD with a valid session on a requiredGroups route",
			get1(grafana, "/d/1", "Cookie", s.admin), allowed,
			attack{"HEAD", grafana, "/d/1", header("Cookie", s.admin)}, allowedWith(map[string]string{"X-User-Groups": "admins"})},
		{"HEAD with a valid session on a reissue route",
			get1(reports, "/q1", "Cookie", s.admin), allowed,
			attack{"HEAD", reports, "/q1", header("Cookie", s.admin)}, jwtClaims(map[string]string{"groups": `["admins"]`})},
		{"an email changed to an unverified address is not forwarded",
			get1(wiki, "/api/pages", "Cookie", s.staff), allowedWith(map[string]string{"X-User-Email": "staff@corp.example.com"}),
			get1(wiki, "/api/pages", "Cookie", s.changer), allowedWith(map[string]string{"X-User-Id": s.changerID, "X-User-Email": "", "X-User-Groups": "staff"})},
		{"an email changed to an unverified address is not reissued",
			get1(reports, "/q1", "Cookie", s.staff), jwtClaims(map[string]string{"email": `"staff@corp.example.com"`}),
			get1(reports, "/q1", "Cookie", s.changer), jwtClaims(map[string]string{"email": `""`})},
		// Tokens only for their audience (issue 20 #1).
		{"an id_token of a browser client on a jwt route",
			get1(api, "/v1/orders", with("Authorization", "Bearer "+s.apiToken)...), allowedWith(map[string]string{"X-User-Id": s.apiClient}),
			get1(api, "/v1/orders", with("Authorization", "Bearer "+s.idToken)...), status(401)},
		{"another client's own token on a jwt route",
			get1(api, "/v1/orders", with("Authorization", "Bearer "+s.apiToken)...), allowed,
			get1(api, "/v1/orders", with("Authorization", "Bearer "+s.otherClientToken)...), status(401)},
		// Underscore and mixed spellings (issue 20 #2): refused at the edge
		// (Envoy, Envoy Gateway) or set empty over the client's (Istio,
		// ingress), duplicates included.
		{"underscore spellings of identity headers on a public route",
			get1(wiki, "/status"), allowedWith(neutral),
			get1(wiki, "/status", "X_User_Groups", "admins", "X_Authctl_Gateway_Secret", master, "x-user_id", "admin", "X_Auth-Request_Email", "boss@corp.example.com"),
			either(status(400), allowedWith(map[string]string{"X_user_groups": "", "X_authctl_gateway_secret": "", "X-User_id": "", "X_auth-Request_email": ""}))},
		{"underscore spellings next to a real session",
			get1(wiki, "/api/pages", "Cookie", s.staff), allowedWith(map[string]string{"X-User-Groups": "staff"}),
			attack{"GET", wiki, "/api/pages", http.Header{"Cookie": {s.staff}, "X_User_Groups": {"admins"}, "X_USER_GROUPS": {"root"}, "X-User_Email": {"boss@corp.example.com"}}},
			either(status(400), allowedWith(map[string]string{"X_user_groups": "", "X-User_email": "", "X-User-Groups": "staff"}))},
		{"underscore spellings of the override headers",
			get1(wiki, "/status"), allowed,
			get1(wiki, "/status", "X_HTTP_Method_Override", "DELETE", "X_Original_URL", "/api/pages/1", "X-Forwarded_Method", "DELETE"),
			either(status(400), allowedWith(map[string]string{"X_http_method_override": "", "X_original_url": "", "X-Forwarded_method": ""}))},
		{"x-original-uri and x-original-method never reach the upstream",
			get1(wiki, "/status"), allowed,
			get1(wiki, "/status", "X-Original-URI", "/api/pages/1", "X-Original-Method", "DELETE"),
			allowedWith(map[string]string{"X-Original-Uri": "", "X-Original-Method": ""})},
		// The session cookie in every spelling Kratos reads (issue 20 #5).
		{"the Kratos session cookie with a space before '='",
			get1(wiki, "/api/pages", "Cookie", "theme=dark; "+s.admin), allowedWith(map[string]string{"Cookie": "theme=dark", "X-User-Id": s.adminID}),
			get1(wiki, "/api/pages", "Cookie", "theme=dark; "+strings.Replace(s.admin, "=", " =", 1)), allowedWith(map[string]string{"Cookie": "theme=dark", "X-User-Id": s.adminID})},
		{"the Kratos session cookie quoted and tab-spaced on a reissue route",
			get1(reports, "/q1", "Cookie", "a=1; "+s.admin), allowedWith(map[string]string{"Cookie": "a=1"}),
			get1(reports, "/q1", "Cookie", "a=1; "+strings.Replace(s.admin, "=", "\t=\"", 1)+`"`), allowedWith(map[string]string{"Cookie": "a=1"})},
		// No method override by parameter (issue 20 #3): Rails, Laravel and
		// Symfony run POST ?_method=DELETE as DELETE, which no rule allows.
		{"a method named in the query on a public POST route",
			attack{"POST", wiki, "/forms/1", header(json...)}, allowed,
			attack{"POST", wiki, "/forms/1?_method=DELETE", header(json...)}, denied},
		{"a percent-encoded method parameter after another one",
			attack{"POST", wiki, "/forms/1?a=1", header(json...)}, allowed,
			attack{"POST", wiki, "/forms/1?a=1&%5Fmethod=DELETE", header(json...)}, denied},
		{"a method named in the query with a valid session",
			attack{"POST", wiki, "/api/pages", header(with("Cookie", s.staff)...)}, allowed,
			attack{"POST", wiki, "/api/pages?_method=PUT", header(with("Cookie", s.staff)...)}, denied},
		// Istio strips neither a trailing dot nor a port (issue 20 #7).
		{"trailing dot and port", get1(wiki, "/api/pages", json...), status(401), get1(wiki+".:443", "/api/pages", json...), denied},
		{"trailing dot on a group-protected host", get1(grafana, "/d/1", with("Cookie", s.staff)...), status(403),
			get1(grafana+".", "/d/1", with("Cookie", s.staff)...), denied},
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
	// A newcomer as self-registration or SSO leaves them: an email nobody
	// verified, no name, no metadata_public.
	s.newcomerID = ps.createIdentityAs(t, map[string]any{"schema_id": "default", "traits": map[string]any{"email": "newcomer@corp.example.com"},
		"credentials": map[string]any{"password": map[string]any{"config": map[string]any{"password": "a-long-test-password-5"}}}})
	s.newcomer = cookie(ps.browserLogin(t, "newcomer@corp.example.com", "a-long-test-password-5"))
	// A vouched-for colleague logs in, then changes their email (now
	// unverified) and name in Kratos' own settings flow, as anyone may.
	s.changerID = ps.createIdentity(t, "changer@corp.example.com", "a-long-test-password-6", []string{"staff"})
	s.changer = cookie(ps.browserLogin(t, "changer@corp.example.com", "a-long-test-password-6"))
	settingsProfile(t, k, ps.apiLogin(t, "changer@corp.example.com", "a-long-test-password-6"),
		map[string]any{"email": "ceo-office@corp.example.com", "name": "admin"})
	var changed struct {
		VerifiableAddresses []struct {
			Value    string
			Verified bool
		} `json:"verifiable_addresses"`
	}
	e2e.DoJSON(t, http.DefaultClient, "GET", k.AdminURL+"admin/identities/"+s.changerID, nil, http.StatusOK, &changed)
	if len(changed.VerifiableAddresses) != 1 || changed.VerifiableAddresses[0].Value != "ceo-office@corp.example.com" || changed.VerifiableAddresses[0].Verified {
		t.Fatalf("Kratos did not make the changed address unverified: %+v", changed.VerifiableAddresses)
	}
	h := startAttackHydra(t, base)
	s.apiClient, s.apiToken = clientCredentials(t, h, "orders-batch", "https://api.corp.example.com")
	_, s.otherClientToken = clientCredentials(t, h, "ci-deploy", "")
	s.idToken = browserClientIDToken(t, h)
	// The leaver is deactivated; the other user logs out (all sessions revoked).
	e2e.DoJSON(t, http.DefaultClient, "PATCH", k.AdminURL+"admin/identities/"+leaverID, []map[string]any{{"op": "replace", "path": "/state", "value": "inactive"}}, http.StatusOK, nil)
	var gone []struct{ ID string }
	e2e.DoJSON(t, http.DefaultClient, "GET", k.AdminURL+"admin/identities?credentials_identifier=gone@corp.example.com", nil, http.StatusOK, &gone)
	e2e.DoJSON(t, http.DefaultClient, "DELETE", k.AdminURL+"admin/identities/"+gone[0].ID+"/sessions", nil, http.StatusNoContent, nil)

	authzSrv := httptest.NewServer(authz.Handler(slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(authzSrv.Close)
	master := base.Secrets.Oathkeeper.HeaderSecret
	cases := attackCases(s, master)
	if len(cases) < 74 {
		t.Fatalf("only %d attacks", len(cases))
	}
	for _, target := range gatewayTargets {
		t.Run(target, func(t *testing.T) {
			r := renderAttackProfile(t, target)
			up := newEchoUpstream(t)
			o := startOathkeeperWith(t, r, k, h, authzSrv.URL+"/authorize", up.URL)
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

// startAttackHydra starts the real Hydra with the render's config, on plain
// HTTP (Oathkeeper fetches its JWKS without the harness CA).
func startAttackHydra(t *testing.T, r e2e.Rendered) *stack.Hydra {
	t.Helper()
	h, err := stack.TryStartHydra(t, stack.HydraOptions{Config: e2e.HydraConfig(t, r), PlainHTTP: true, Dev: true})
	if err != nil {
		t.Fatalf("real Hydra rejected the rendered config: %v", err)
	}
	e2e.LogRewrites(t, "hydra", e2e.HydraRewrites, h.Rewrites())
	return h
}

// clientCredentials creates a confidential client that may ask for
// audience (none when "") and returns its id and a token (with audience
// when one is given).
func clientCredentials(t *testing.T, h *stack.Hydra, id, audience string) (string, string) {
	t.Helper()
	client := map[string]any{"client_id": id, "client_secret": "a-long-client-secret-" + id, "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_post", "access_token_strategy": "jwt"}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"a-long-client-secret-" + id}}
	if audience != "" {
		client["audience"] = []string{audience}
		form.Set("audience", audience)
	}
	h.CreateClient(t, client)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	resp, err := h.HTTPClient.PostForm(h.PublicURL+"oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("client credentials of %s: HTTP %d, %v", id, resp.StatusCode, err)
	}
	return id, tok.AccessToken
}

// browserClientIDToken runs Hydra's authorization-code flow for a browser
// client (a single-page app, or kubectl) as a person who logs in and
// consents (Hydra's admin API accepts both, as the login UI does) and
// returns the id_token, whose aud is the client id. On the way it checks
// that Hydra's cookies stay on Hydra's host: a browser that got them from
// oauth.corp.example.com must not send them to any protected host.
func browserClientIDToken(t *testing.T, h *stack.Hydra) string {
	t.Helper()
	const id, secret, redirect = "team-spa", "a-long-client-secret-spa", "http://127.0.0.1:9/callback"
	h.CreateClient(t, map[string]any{"client_id": id, "client_secret": secret, "grant_types": []string{"authorization_code"},
		"response_types": []string{"code"}, "scope": "openid email", "redirect_uris": []string{redirect}, "token_endpoint_auth_method": "client_secret_post"})
	// Cookies are carried by hand (name=value): Hydra marks them Secure
	// and the harness serves plain HTTP.
	jar := map[string]string{}
	browserJar, _ := cookiejar.New(nil)
	hydraHost, _ := url.Parse("https://oauth.corp.example.com/")
	step := func(method, u string, body any) string {
		t.Helper()
		if method != "GET" {
			var out struct {
				RedirectTo string `json:"redirect_to"`
			}
			e2e.DoJSON(t, h.HTTPClient, method, u, body, http.StatusOK, &out)
			return out.RedirectTo
		}
		req, _ := http.NewRequest("GET", u, nil)
		for k, v := range jar {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		c := &http.Client{Transport: h.HTTPClient.Transport, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, ck := range resp.Cookies() {
			jar[ck.Name] = ck.Value
		}
		browserJar.SetCookies(hydraHost, resp.Cookies())
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("GET %s: HTTP %d", u, resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	challenge := func(loc, name string) string {
		u, err := url.Parse(loc)
		if err != nil || u.Query().Get(name) == "" {
			t.Fatalf("no %s in %s", name, loc)
		}
		return url.QueryEscape(u.Query().Get(name))
	}
	loc := step("GET", h.PublicURL+"oauth2/auth?"+url.Values{"client_id": {id}, "response_type": {"code"}, "scope": {"openid email"},
		"redirect_uri": {redirect}, "state": {"state-of-the-art"}}.Encode(), nil)
	loc = step("PUT", h.AdminURL+"admin/oauth2/auth/requests/login/accept?login_challenge="+challenge(loc, "login_challenge"), map[string]any{"subject": "a-person"})
	loc = step("GET", loc, nil)
	loc = step("PUT", h.AdminURL+"admin/oauth2/auth/requests/consent/accept?consent_challenge="+challenge(loc, "consent_challenge"), map[string]any{"grant_scope": []string{"openid", "email"}})
	loc = step("GET", loc, nil)
	code, _ := url.QueryUnescape(challenge(loc, "code"))
	if len(jar) == 0 {
		t.Fatal("Hydra set no cookie during the flow")
	}
	for _, host := range []string{wiki, grafana, reports, docs, api} {
		if leaked := browserJar.Cookies(&url.URL{Scheme: "https", Host: host, Path: "/"}); len(leaked) > 0 {
			t.Errorf("a browser sends Hydra's cookies %v to %s", leaked, host)
		}
	}
	resp, err := h.HTTPClient.PostForm(h.PublicURL+"oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.IDToken == "" {
		t.Fatalf("code exchange: HTTP %d, %v", resp.StatusCode, err)
	}
	return tok.IDToken
}

// TestProtectedHostsAreReturnURLs: Oathkeeper's login redirect names the
// page asked for in return_to; the real Kratos, with the rendered config,
// accepts a browser login flow for it and keeps it as the flow's
// return_to, so the person comes back to the tool after logging in. A host
// no service declares stays refused.
func TestProtectedHostsAreReturnURLs(t *testing.T) {
	stack.Require(t)
	r := renderAttackProfile(t, "ingress")
	k := e2e.StartKratos(t, r, nil)
	for _, tc := range []struct {
		returnTo string
		ok       bool
	}{
		{"https://" + wiki + "/wiki/Home?tab=1", true},
		{"https://" + grafana + "/d/1", true},
		{"https://" + docs + "/guide", true},
		{"https://evil.example.org/x", false},
		{"https://secret.corp.example.com/x", false},
	} {
		req, _ := http.NewRequest("GET", k.PublicURL+"self-service/login/browser?return_to="+url.QueryEscape(tc.returnTo), nil)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var flow struct {
			ReturnTo string `json:"return_to"`
		}
		err = json.NewDecoder(resp.Body).Decode(&flow)
		resp.Body.Close()
		switch {
		case tc.ok && (resp.StatusCode != http.StatusOK || err != nil || flow.ReturnTo != tc.returnTo):
			t.Errorf("return_to %s: HTTP %d, flow return_to %q (%v); want the flow to keep it", tc.returnTo, resp.StatusCode, flow.ReturnTo, err)
		case !tc.ok && resp.StatusCode == http.StatusOK:
			t.Errorf("return_to %s: Kratos accepted a host no service declares", tc.returnTo)
		}
	}
}

// TestIstioWithoutServices: a profile that protects nothing yet (init
// --defaults --gateway istio) leaves the ingress gateway alone: the login
// pages and other apps are served, nothing is sent to Oathkeeper. A CUSTOM
// policy without hosts would match every host and have the real
// Oathkeeper, which has no rule but the default deny, refuse them all.
func TestIstioWithoutServices(t *testing.T) {
	stack.Require(t)
	for _, denyAll := range []bool{false, true} {
		t.Run(fmt.Sprintf("denyAll=%t", denyAll), func(t *testing.T) {
			p, err := profile.Parse("istio-empty.yaml", t.TempDir(), []byte(fmt.Sprintf(`apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: tools, namespace: auth}
spec:
  domain: corp.example.com
  kubernetes: {enabled: false}
  gateway: {target: istio, denyAll: %t}
`, denyAll)))
			if err != nil {
				t.Fatal(err)
			}
			r := e2e.RenderProfile(t, "istio-empty", p)
			k := e2e.StartKratos(t, r, nil)
			o := startOathkeeperFor(t, r, k, "http://127.0.0.1:9/authorize", "http://127.0.0.1:9")
			gw := istioDataPlane(t, r, strings.TrimSuffix(strings.TrimPrefix(o.APIURL, "http://"), "/"))
			w := r.Profile.Wiring()
			for _, host := range []string{w.AuthHost, w.KratosHost, w.HydraHost} {
				if out := gw.do(t, get1(host, "/login")); out.status != http.StatusOK || out.upstream == nil {
					t.Errorf("%s/login: %s; want it served without asking Oathkeeper", host, out)
				}
			}
		})
	}
}

// settingsProfile changes the traits of the session token's identity
// through Kratos' self-service settings flow (the API flow, which the
// settings page drives the same way).
func settingsProfile(t *testing.T, k *stack.Kratos, token string, traits map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", k.PublicURL+"self-service/settings/api", nil)
	req.Header.Set("X-Session-Token", token)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var flow struct{ UI struct{ Action string } }
	err = json.NewDecoder(resp.Body).Decode(&flow)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || flow.UI.Action == "" {
		t.Fatalf("settings flow: HTTP %d, %v", resp.StatusCode, err)
	}
	body, _ := json.Marshal(map[string]any{"method": "profile", "traits": traits})
	req, _ = http.NewRequest("POST", flow.UI.Action, strings.NewReader(string(body)))
	req.Header.Set("X-Session-Token", token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		State string `json:"state"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || out.State != "success" {
		t.Fatalf("settings (profile): HTTP %d, state %q, %v", resp.StatusCode, out.State, err)
	}
}
