package browser_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/serve/authz"
	"github.com/authctl/authctl/pkg/serve/tokenhook"
	"github.com/authctl/authctl/pkg/serve/ui"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestMain removes the binaries e2e.Authctl built for this package.
func TestMain(m *testing.M) { e2e.Main(m) }

// site is a rendered stack on loopback as a person meets it: the real
// Kratos, Oathkeeper and (when asked) Hydra with their rendered configs,
// the built-in UI as the rendered Deployment runs it (`authctl serve ui`
// with the rendered arguments), a test upstream behind every service, the
// edge in front of every public host, and a real Chromium.
type site struct {
	r          e2e.Rendered
	w          profile.Wiring
	kratos     *stack.Kratos
	hydra      *stack.Hydra
	oathkeeper *stack.Oathkeeper
	ui         *uiProcess
	edge       *browser.Edge
	b          *browser.Browser
	// mail is Mailpit (Mail).
	mail *stack.Mailpit
	// hookURL is the token hook's loopback URL (TokenHook).
	hookURL string
	// seen receives every request the upstream got.
	seen chan *http.Request
}

type siteOptions struct {
	// Hydra starts Hydra (TLS, the harness CA) and wires Kratos' and the
	// UI's admin calls to it.
	Hydra bool
	// Mail starts Mailpit and Kratos' courier (kratos courier watch, as the
	// rendered courier Deployment runs it) with the SMTP URI pointed at it.
	Mail bool
	// TokenHook keeps Hydra's oauth2.token_hook and runs the real hook
	// (authctl serve token-hook with the rendered arguments).
	TokenHook bool
	// Routes are more edge routes, public host -> loopback base URL (the
	// Google stand-in's accounts.google.com).
	Routes map[string]string
}

// Loopback rewrites of the browser tests, on top of the harness's and
// test/e2e's. The public hosts, the cookie domain and the https scheme are
// kept: the edge serves them.
var siteRewrites = []string{
	"kratos serve.public.base_url: the rendered public URL (https://id.DOMAIN/, served by the edge)",
	"kratos oauth2_provider.url: in-cluster Hydra admin -> the harness Hydra admin (its CA in SSL_CERT_FILE)",
	"hydra urls.identity_provider.url: the in-cluster Kratos admin base -> a loopback forwarder to the harness Kratos admin (Hydra starts first), the rendered path kept",
	"kratos courier.smtp.connection_uri: the rendered Secret's URI -> Mailpit on loopback (plain SMTP); the courier runs as kratos courier watch on the same config",
	"hydra serve.cookies.domain: dropped (Hydra is reached at its harness issuer, 127.0.0.1)",
	"hydra oauth2.token_hook: removed, or (TokenHook) its url -> the loopback hook, the key from the rendered Secret",
	"oathkeeper *.check_session_url: the harness Kratos public URL + sessions/whoami",
	"oathkeeper remote_json remote: an in-process authctl authz handler (pkg/serve/authz)",
	"oathkeeper rule upstream URLs: the in-process test upstream",
	"ui args --listen, --kratos-public-url, --kratos-admin-url, --hydra-admin-url: the loopback servers (--hydra-admin-url left out when the test runs no Hydra)",
}

func startSite(t *testing.T, r e2e.Rendered, o siteOptions) *site {
	t.Helper()
	s := &site{r: r, w: r.Profile.Wiring(), seen: make(chan *http.Request, 64)}

	// Hydra starts first (Kratos' config names its admin URL), so its
	// identity_provider.url goes through a loopback forwarder that points
	// at Kratos' admin API once Kratos runs.
	kratosAdmin := newForwarder(t)
	var caFile string
	if o.Hydra {
		cfg := e2e.HydraConfig(t, r)
		rendered, _ := e2e.Get(cfg, "urls.identity_provider.url").(string)
		if !strings.HasPrefix(rendered, s.w.KratosAdminInternalURL) {
			t.Fatalf("rendered urls.identity_provider.url = %q, want the Kratos admin Service", rendered)
		}
		e2e.Set(cfg, "urls.identity_provider.url", kratosAdmin.URL+strings.TrimPrefix(rendered, s.w.KratosAdminInternalURL))
		var hydraEnv []string
		if o.TokenHook {
			s.hookURL = fmt.Sprintf("http://127.0.0.1:%d%s", stack.FreePort(t), tokenhook.TokenHookPath)
			e2e.Set(cfg, "oauth2.token_hook.url", s.hookURL)
			hydraEnv = []string{render.TokenHookKeyEnv + "=" + r.Secrets.Hydra.TokenHookKey}
		} else {
			delete(e2e.Get(cfg, "oauth2").(map[string]any), "token_hook")
		}
		// Hydra is served on 127.0.0.1 (the harness issuer), which cannot
		// hold a cookie for the profile's domain.
		if c, ok := e2e.Get(cfg, "serve.cookies").(map[string]any); ok {
			delete(c, "domain")
		}
		// A generous start: Hydra makes its signing keys first, slow on
		// two busy cores.
		s.hydra = stack.StartHydra(t, stack.HydraOptions{Config: cfg, Env: hydraEnv, ReadyTimeout: 3 * time.Minute})
		caFile = e2e.WriteFile(t, t.TempDir(), "hydra-ca.crt", s.hydra.CAPEM)
		// Kratos (oauth2_provider.url) and the UI call Hydra's admin API
		// over TLS: they trust the harness CA as a cluster's CA bundle.
		t.Setenv("SSL_CERT_FILE", caFile)
	}

	kcfg := e2e.KratosConfig(t, r)
	if o.Mail {
		s.mail = stack.StartMailpit(t)
		// The rendered courier reads the URI from its Secret
		// (COURIER_SMTP_CONNECTION_URI); Mailpit speaks plain SMTP.
		e2e.Set(kcfg, "courier.smtp.connection_uri", "smtp://"+s.mail.SMTPAddr+"/?disable_starttls=true")
	}
	if s.hydra != nil {
		e2e.Set(kcfg, "oauth2_provider.url", strings.TrimSuffix(s.hydra.AdminURL, "/"))
	}
	k, err := stack.TryStartKratos(t, stack.KratosOptions{Config: kcfg, PublicBaseURL: s.w.KratosPublicURL, ReadyTimeout: 3 * time.Minute})
	if err != nil {
		t.Fatalf("real Kratos rejected the rendered config of %s:\n%v", r.Name, err)
	}
	s.kratos = k
	kratosAdmin.set(k.AdminURL)
	if o.Mail {
		if _, err := stack.StartProcess(t, "kratos-courier", stack.Binary(t, stack.ToolKratos), []string{"courier", "watch", "--config", k.ConfigPath}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if o.TokenHook {
		s.startTokenHook(t)
	}

	// The upstream behind every service, and authctl's group check.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case s.seen <- req.Clone(req.Context()):
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>The tool at %s</h1><p id=path>%s</p><p id=user>%s</p>",
			req.Host, req.Host, req.URL.RequestURI(), req.Header.Get("X-User-Email"))
	}))
	t.Cleanup(up.Close)
	authzSrv := httptest.NewServer(authz.Handler(slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(authzSrv.Close)
	s.oathkeeper = startOathkeeper(t, r, k, authzSrv.URL+"/authorize", up.URL)

	s.ui = startUI(t, r, k, s.hydra)

	routes := map[string]string{
		s.w.AuthHost:   s.ui.URL,
		s.w.KratosHost: k.PublicURL,
	}
	for _, svc := range r.Profile.Spec.Services {
		for _, h := range svc.Hosts {
			routes[h] = s.oathkeeper.ProxyURL
		}
	}
	for h, u := range o.Routes {
		routes[h] = u
	}
	s.edge = browser.StartEdge(t, routes)
	trust := []string{s.edge.SPKI()}
	if s.hydra != nil {
		trust = append(trust, hydraSPKI(t, s.hydra))
	}
	e2e.LogRewrites(t, "browser tests", siteRewrites, nil)
	s.b = browser.Start(t, browser.Options{ProxyURL: s.edge.ProxyURL, TrustSPKI: trust})
	t.Cleanup(func() {
		if refused := s.edge.Refused(); len(refused) > 0 {
			t.Logf("the edge refused (never left loopback): %v", refused)
		}
		if t.Failed() {
			t.Logf("ui log:\n%s", s.ui.Process.LogTail(60))
			t.Logf("kratos log:\n%s", k.Process.LogTail(60))
		}
	})
	return s
}

// startTokenHook runs authctl serve token-hook with the rendered token
// hook Deployment's arguments and key.
func (s *site) startTokenHook(t *testing.T) {
	t.Helper()
	u, _ := url.Parse(s.hookURL)
	args := containerArgs(t, s.r, s.w.TokenHookService)
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--listen="):
			args[i] = "--listen=" + u.Host
		case strings.HasPrefix(a, "--kratos-admin-url="):
			args[i] = "--kratos-admin-url=" + strings.TrimSuffix(s.kratos.AdminURL, "/")
		}
	}
	p, err := stack.StartProcess(t, "token-hook", e2e.Authctl(t), args, []string{tokenhook.APIKeyEnv + "=" + s.r.Secrets.Hydra.TokenHookKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitReady("http://"+u.Host+"/health/ready", http.DefaultClient, time.Minute); err != nil {
		t.Fatal(err)
	}
}

// forwarder is a loopback reverse proxy whose backend is set later.
type forwarder struct {
	URL     string
	backend atomic.Pointer[url.URL]
}

func newForwarder(t *testing.T) *forwarder {
	f := &forwarder{}
	srv := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		if u := f.backend.Load(); u != nil {
			pr.SetURL(u)
		}
	}})
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *forwarder) set(backend string) {
	u, _ := url.Parse(strings.TrimSuffix(backend, "/"))
	f.backend.Store(u)
}

// uiProcess is `authctl serve ui` on loopback.
type uiProcess struct {
	URL     string
	Process *stack.Process
}

// startUI runs the built authctl with the ui Deployment's rendered
// arguments and Secret, only the listen address and the in-cluster URLs
// pointed at loopback.
func startUI(t *testing.T, r e2e.Rendered, k *stack.Kratos, h *stack.Hydra) *uiProcess {
	t.Helper()
	w := r.Profile.Wiring()
	port := stack.FreePort(t)
	args := containerArgs(t, r, w.UIService)
	if len(args) < 2 || args[0] != "serve" || args[1] != "ui" {
		t.Fatalf("the rendered ui container runs %v, want authctl serve ui", args)
	}
	replace := map[string]string{
		"--listen=":            fmt.Sprintf("127.0.0.1:%d", port),
		"--kratos-public-url=": strings.TrimSuffix(k.PublicURL, "/"),
		"--kratos-admin-url=":  strings.TrimSuffix(k.AdminURL, "/"),
	}
	if h != nil {
		replace["--hydra-admin-url="] = strings.TrimSuffix(h.AdminURL, "/")
	}
	var kept []string
	for _, a := range args {
		if h == nil && strings.HasPrefix(a, "--hydra-admin-url=") {
			continue // no Hydra in this test: never look its Service up
		}
		for prefix, v := range replace {
			if strings.HasPrefix(a, prefix) {
				a = prefix + v
			}
		}
		kept = append(kept, a)
	}
	args = kept
	p, err := stack.StartProcess(t, "authctl-ui", e2e.Authctl(t), args, []string{ui.CSRFSecretEnv + "=" + r.Secrets.UI.CSRFCookie})
	if err != nil {
		t.Fatal(err)
	}
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := p.WaitReady(u+"/health/ready", http.DefaultClient, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return &uiProcess{URL: u, Process: p}
}

// containerArgs are the args of a Deployment's first container.
func containerArgs(t *testing.T, r e2e.Rendered, deployment string) []string {
	t.Helper()
	d := r.Object(t, "Deployment", deployment)
	if d == nil {
		t.Fatalf("%s: no Deployment %s", r.Name, deployment)
	}
	c := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	var out []string
	list, _ := c["args"].([]any)
	for _, a := range list {
		out = append(out, a.(string))
	}
	return out
}

// startOathkeeper starts the real Oathkeeper with a render's config and
// rules, wired to the harness Kratos, an authz URL and one upstream.
func startOathkeeper(t *testing.T, r e2e.Rendered, k *stack.Kratos, authzURL, upstreamURL string) *stack.Oathkeeper {
	t.Helper()
	cfg, rules := e2e.OathkeeperConfig(t, r)
	w := r.Profile.Wiring()
	for _, h := range []string{"cookie_session", "bearer_token"} {
		if c, ok := e2e.Get(cfg, "authenticators."+h+".config").(map[string]any); ok {
			c["check_session_url"] = k.PublicURL + "sessions/whoami"
		}
	}
	if c, ok := e2e.Get(cfg, "authorizers.remote_json.config").(map[string]any); ok {
		c["remote"] = authzURL
	}
	text := strings.ReplaceAll(string(rules), w.AuthzURL, authzURL)
	for _, s := range r.Profile.Spec.Services {
		text = strings.ReplaceAll(text, `"url": "`+render.UpstreamURL(w, s)+`"`, `"url": "`+upstreamURL+`"`)
	}
	o, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: [][]byte{[]byte(text)},
		Env: []string{render.GatewaySecretEnv + "=" + r.Secrets.Oathkeeper.HeaderSecret}})
	if err != nil {
		t.Fatalf("real Oathkeeper rejected the rendered config of %s:\n%v", r.Name, err)
	}
	return o
}

// hydraSPKI is the pin of Hydra's serving certificate.
func hydraSPKI(t *testing.T, h *stack.Hydra) string {
	t.Helper()
	host := strings.TrimSuffix(strings.TrimPrefix(h.PublicURL, "https://"), "/")
	c, err := tls.Dial("tcp", host, &tls.Config{RootCAs: h.CertPool, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return browser.SPKIHash(c.ConnectionState().PeerCertificates[0])
}

// createIdentity creates a person with a password and groups through the
// Kratos admin API.
func (s *site) createIdentity(t *testing.T, email, password string, groups ...string) string {
	t.Helper()
	body := map[string]any{
		"schema_id":            "default",
		"traits":               map[string]any{"email": email, "name": "Test " + strings.Split(email, "@")[0]},
		"metadata_public":      map[string]any{"groups": groups},
		"credentials":          map[string]any{"password": map[string]any{"config": map[string]any{"password": password}}},
		"verifiable_addresses": []any{map[string]any{"value": email, "verified": true, "via": "email", "status": "completed"}},
	}
	var out struct{ ID string }
	e2e.DoJSON(t, http.DefaultClient, "POST", s.kratos.AdminURL+"admin/identities", body, http.StatusCreated, &out)
	return out.ID
}

// recordFlow saves the Kratos flow the browser is on (its ?flow= id, read
// with the browser's cookies as the UI reads it) as NAME.json in
// $AUTHCTL_RECORD_FLOWS: how pkg/serve/ui/testdata/recorded is made.
func (s *site) recordFlow(t *testing.T, kind, name string) {
	t.Helper()
	dir := os.Getenv("AUTHCTL_RECORD_FLOWS")
	if dir == "" {
		return
	}
	u, err := url.Parse(s.b.URL())
	if err != nil || u.Query().Get("flow") == "" {
		t.Fatalf("record %s: the browser is at %s, not on a flow", name, s.b.URL())
	}
	var cookies []string
	for _, c := range s.b.Cookies(s.w.KratosPublicURL) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	req, _ := http.NewRequest(http.MethodGet, s.kratos.PublicURL+"self-service/"+kind+"/flows?id="+url.QueryEscape(u.Query().Get("flow")), nil)
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("record %s: HTTP %d: %s", name, resp.StatusCode, body)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if err := os.WriteFile(filepath.Join(dir, name+".json"), pretty.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hasSession reports whether the browser holds a Kratos session cookie.
func (s *site) hasSession() bool {
	for _, c := range s.b.Cookies("https://" + s.w.AuthHost + "/") {
		if c.Name == "ory_kratos_session" {
			return true
		}
	}
	return false
}

// loadExample loads examples/NAME.yaml for a test to adjust.
func loadExample(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.Load(e2e.InRepo(filepath.Join("examples", name+".yaml")))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cropColumn writes the page's centred content column (the UI's pages
// are 26rem wide in a 900-pixel window) as a smaller PNG.
func cropColumn(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return err
	}
	b := img.Bounds()
	left, right := b.Min.X+210, b.Min.X+690
	bottom := b.Max.Y
	// Trim the white space below the content.
	for bottom > b.Min.Y+200 && rowBlank(img, left, right, bottom-1) {
		bottom--
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok || right > b.Max.X {
		return fmt.Errorf("cannot crop %T", img)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	return png.Encode(out, sub.SubImage(image.Rect(left, b.Min.Y, right, min(bottom+24, b.Max.Y))))
}

func rowBlank(img image.Image, left, right, y int) bool {
	first := img.At(left, y)
	for x := left; x < right; x++ {
		r1, g1, b1, _ := img.At(x, y).RGBA()
		r0, g0, b0, _ := first.RGBA()
		if r1 != r0 || g1 != g0 || b1 != b0 {
			return false
		}
	}
	return true
}

// keepShots copies a test's screenshots to dir (docs/img) when
// AUTHCTL_DOCS_SHOTS names it: how docs/login.md's pictures are made.
func keepShots(t *testing.T, b *browser.Browser, names map[string]string) {
	dir := os.Getenv("AUTHCTL_DOCS_SHOTS")
	if dir == "" {
		return
	}
	for _, p := range b.Shots {
		for suffix, name := range names {
			if strings.HasSuffix(p, suffix+".png") {
				if err := cropColumn(p, filepath.Join(dir, name+".png")); err != nil {
					t.Logf("docs screenshot %s: %v", name, err)
				}
			}
		}
	}
}
