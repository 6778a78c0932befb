// BenchmarkUILogins is issue 19's load figure: browser-less logins through
// the built-in UI's pages against the real Kratos and Hydra, with their
// rendered configs (examples/ingress.yaml), and the UI as the rendered
// Deployment runs it (`authctl serve ui`, the rendered arguments). It runs
// only with -bench:
//
//	go test ./bench -run '^$' -bench '^BenchmarkUILogins$' -benchtime 1x -v
//
// Each login is what a browser does, with a fresh cookie jar, every public
// host reached by its name over HTTPS through the edge of the browser
// tests: an OAuth2 authorization request to Hydra, its redirects to
// Kratos and to the UI's login page, the password form posted to Kratos
// with the form's CSRF token, back through Hydra to the UI's consent page,
// the consent form posted to the UI with its CSRF token, and Hydra's
// redirect to the client with a code. Target: 200 logins in a minute on
// two cores with no error; it reports logins/min, errors, and the p95 of
// one UI page (login or consent, as the client sees it: request to body).
package bench

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
	"github.com/authctl/authctl/pkg/serve/ui"
	"github.com/authctl/authctl/test/e2e/browser"
	"github.com/authctl/authctl/test/e2e/stack"
)

const (
	uiBenchLogins  = 200
	uiBenchWorkers = 4
	uiBenchPeople  = 20
	uiBenchPass    = "Bench-correct-horse-7Q!x"
)

func BenchmarkUILogins(b *testing.B) {
	stack.Require(b)
	root, err := stack.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	p, err := profile.Load(filepath.Join(root, "examples", "ingress.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	sf, err := secrets.Load(filepath.Join(root, "pkg", "render", "testdata", "test-secrets.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	res, err := render.Render(render.Options{Profile: p, Secrets: sf})
	if err != nil {
		b.Fatal(err)
	}
	w := p.Wiring()
	name := p.Metadata.Name
	dir := b.TempDir()

	// Hydra first (Kratos' config names its admin API); its identity
	// provider URL goes through a forwarder set once Kratos runs.
	var kratosAdmin atomic.Pointer[url.URL]
	fwd := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		if u := kratosAdmin.Load(); u != nil {
			pr.SetURL(u)
		}
	}})
	b.Cleanup(fwd.Close)
	hcfg := uiBenchConfig(b, res, name+"-hydra-config", "hydra.yaml")
	uiBenchSet(hcfg, "secrets.system", sf.Hydra.System)
	uiBenchSet(hcfg, "secrets.cookie", sf.Hydra.Cookie)
	idp := uiBenchGet(hcfg, "urls.identity_provider.url").(string)
	uiBenchSet(hcfg, "urls.identity_provider.url", fwd.URL+strings.TrimPrefix(idp, w.KratosAdminInternalURL))
	delete(uiBenchGet(hcfg, "oauth2").(map[string]any), "token_hook")
	if c, ok := uiBenchGet(hcfg, "serve.cookies").(map[string]any); ok {
		delete(c, "domain") // Hydra is served on 127.0.0.1
	}
	hydra := stack.StartHydra(b, stack.HydraOptions{Config: hcfg, ReadyTimeout: 3 * time.Minute})
	caFile := filepath.Join(dir, "hydra-ca.crt")
	if err := os.WriteFile(caFile, hydra.CAPEM, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Setenv("SSL_CERT_FILE", caFile) // Kratos and the UI call Hydra's admin API

	kcfg := uiBenchConfig(b, res, name+"-kratos-config", "kratos.yaml")
	schemas := uiBenchConfigMap(b, res, name+"-kratos-schemas")
	for _, s := range uiBenchGet(kcfg, "identity.schemas").([]any) {
		sm := s.(map[string]any)
		u := sm["url"].(string)
		file := filepath.Join(dir, u[strings.LastIndex(u, "/")+1:])
		if err := os.WriteFile(file, []byte(schemas[filepath.Base(file)]), 0o600); err != nil {
			b.Fatal(err)
		}
		sm["url"] = "file://" + file
	}
	uiBenchSet(kcfg, "secrets.default", sf.Kratos.Default)
	uiBenchSet(kcfg, "secrets.cookie", sf.Kratos.Cookie)
	uiBenchSet(kcfg, "secrets.cipher", sf.Kratos.Cipher)
	uiBenchSet(kcfg, "oauth2_provider.url", strings.TrimSuffix(hydra.AdminURL, "/"))
	kratos, err := stack.TryStartKratos(b, stack.KratosOptions{Config: kcfg, PublicBaseURL: w.KratosPublicURL, ReadyTimeout: 3 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	ka, _ := url.Parse(strings.TrimSuffix(kratos.AdminURL, "/"))
	kratosAdmin.Store(ka)

	uiURL, uiBin := uiBenchStartUI(b, root, res, w, kratos, hydra, sf.UI.CSRFCookie)
	// The servers' processes, for their CPU time: a figure the other
	// work on a shared machine does not change the way it does wall time.
	servers := []string{kratos.ConfigPath, hydra.ConfigPath, uiBin}
	edge := browser.StartEdge(b, map[string]string{w.AuthHost: uiURL, w.KratosHost: kratos.PublicURL})

	// The people, and an OAuth2 client that is not first-party (so each
	// login passes the consent page too).
	for i := range uiBenchPeople {
		body := fmt.Sprintf(`{"schema_id":"default","traits":{"email":"p%d@blog.example.com"},"metadata_public":{"groups":["staff"]},`+
			`"credentials":{"password":{"config":{"password":%q}}}}`, i, uiBenchPass)
		resp, err := http.Post(kratos.AdminURL+"admin/identities", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusCreated {
			b.Fatalf("create identity: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("code") == "" {
			http.Error(w, "no code: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	b.Cleanup(cb.Close)
	client := fmt.Sprintf(`{"client_id":"bench","client_secret":"bench-secret-0123456789","grant_types":["authorization_code"],`+
		`"response_types":["code"],"scope":"openid email","redirect_uris":[%q]}`, cb.URL+"/cb")
	req, _ := http.NewRequest(http.MethodPost, hydra.AdminURL+"admin/clients", strings.NewReader(client))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hydra.HTTPClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("create client: %v %v", resp, err)
	}
	resp.Body.Close()

	proxy, _ := url.Parse(edge.ProxyURL)
	transport := &http.Transport{Proxy: http.ProxyURL(proxy), MaxIdleConnsPerHost: 16,
		TLSClientConfig: &tls.Config{RootCAs: uiBenchPools(edge.CertPool, hydra.CAPEM), MinVersion: tls.VersionTLS12}}
	pages := &uiBenchTimer{host: w.AuthHost, next: transport}
	authURL := hydra.PublicURL + "oauth2/auth?" + url.Values{"client_id": {"bench"}, "response_type": {"code"},
		"scope": {"openid email"}, "redirect_uri": {cb.URL + "/cb"}}.Encode()

	// One login first, so a broken stack fails at once.
	if err := uiBenchLogin(pages, authURL, "p0@blog.example.com", 0); err != nil {
		b.Fatalf("first login: %v", err)
	}
	pages.reset()

	var ok, failed atomic.Int64
	var firstErr atomic.Value
	var elapsed time.Duration
	cpu0 := uiBenchCPU(b, servers)
	for b.Loop() {
		next := atomic.Int64{}
		start := time.Now()
		var wg sync.WaitGroup
		for range uiBenchWorkers {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= uiBenchLogins {
						return
					}
					email := fmt.Sprintf("p%d@blog.example.com", i%uiBenchPeople)
					if err := uiBenchLogin(pages, authURL, email, int(i)); err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err)
						continue
					}
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	cpu1 := uiBenchCPU(b, servers)
	var cpu time.Duration
	var split []string
	for i, name := range []string{"Kratos", "Hydra", "UI"} {
		cpu += cpu1[i] - cpu0[i]
		split = append(split, fmt.Sprintf("%s %s", name, ((cpu1[i]-cpu0[i])/time.Duration(uiBenchLogins)).Round(time.Millisecond)))
	}
	if e := firstErr.Load(); e != nil {
		b.Logf("first error: %v", e)
	}
	n := ok.Load() + failed.Load()
	b.ReportMetric(float64(ok.Load())/elapsed.Minutes(), "logins/min")
	b.ReportMetric(float64(failed.Load()), "errors")
	b.ReportMetric(float64(pages.p95().Microseconds())/1000, "p95-page-ms")
	perLogin := cpu / time.Duration(max(n, 1))
	b.ReportMetric(float64(perLogin.Microseconds())/1000, "server-cpu-ms/login")
	b.ReportMetric(2*float64(time.Minute)/float64(max(perLogin, 1)), "logins/min-2-idle-cores")
	load, _ := os.ReadFile("/proc/loadavg")
	b.Logf("%d logins (%d workers, %d people, bcrypt cost %v) in %s: %d failed; %d UI pages, p50 %s, p95 %s; "+
		"Kratos+Hydra+UI used %s of CPU (%s a login: %s); load average %s",
		n, uiBenchWorkers, uiBenchPeople, uiBenchGet(kcfg, "hashers.bcrypt.cost"), elapsed.Round(time.Millisecond), failed.Load(),
		pages.count(), pages.p(50).Round(100*time.Microsecond), pages.p95().Round(100*time.Microsecond),
		cpu.Round(10*time.Millisecond), perLogin.Round(time.Millisecond), strings.Join(split, ", "), strings.Fields(string(load))[:3])
	if failed.Load() > 0 {
		b.Errorf("%d of %d logins failed", failed.Load(), n)
	}
}

// uiBenchLogin is one browser-less login with a fresh cookie jar.
func uiBenchLogin(rt http.RoundTripper, authURL, email string, i int) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: rt, Jar: jar, Timeout: time.Minute}
	u := authURL + fmt.Sprintf("&state=bench-state-%08d&nonce=bench-nonce-%08d", i, i)
	page, at, err := uiBenchGetPage(c, u)
	if err != nil {
		return fmt.Errorf("login page: %w", err)
	}
	if !strings.Contains(at, "/login?flow=") {
		return fmt.Errorf("not on the login page: %s", at)
	}
	action, fields, err := uiBenchForm(page, "password")
	if err != nil {
		return err
	}
	fields.Set("identifier", email)
	fields.Set("password", uiBenchPass)
	fields.Set("method", "password")
	page, at, err = uiBenchPost(c, action, fields)
	if err != nil {
		return fmt.Errorf("password post: %w", err)
	}
	if !strings.Contains(at, "/consent?consent_challenge=") {
		return fmt.Errorf("after the password post at %s, not the consent page: %.300s", at, page)
	}
	action, fields, err = uiBenchForm(page, "consent")
	if err != nil {
		return err
	}
	fields.Set("action", "accept")
	action, _ = url.JoinPath("https://"+strings.SplitN(strings.TrimPrefix(at, "https://"), "/", 2)[0], action)
	page, at, err = uiBenchPost(c, action, fields)
	if err != nil {
		return fmt.Errorf("consent post: %w", err)
	}
	if !strings.Contains(at, "/cb?code=") || page != "ok" {
		return fmt.Errorf("after consent at %s: %.300s", at, page)
	}
	return nil
}

func uiBenchGetPage(c *http.Client, u string) (string, string, error) {
	resp, err := c.Get(u)
	return uiBenchRead(resp, err)
}

func uiBenchPost(c *http.Client, u string, v url.Values) (string, string, error) {
	resp, err := c.PostForm(u, v)
	return uiBenchRead(resp, err)
}

func uiBenchRead(resp *http.Response, err error) (string, string, error) {
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("%s: HTTP %d: %.300s", resp.Request.URL, resp.StatusCode, body)
	}
	return string(body), resp.Request.URL.String(), nil
}

var (
	uiBenchForms  = regexp.MustCompile(`(?s)<form ([^>]*)>(.*?)</form>`)
	uiBenchAttr   = regexp.MustCompile(`(action|data-group|class)="([^"]*)"`)
	uiBenchHidden = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

// uiBenchForm finds the form of a method group (data-group) or with that
// class suffix (group-consent), and returns its action and hidden fields,
// as a browser would submit them.
func uiBenchForm(page, group string) (string, url.Values, error) {
	for _, m := range uiBenchForms.FindAllStringSubmatch(page, -1) {
		attrs := map[string]string{}
		for _, a := range uiBenchAttr.FindAllStringSubmatch(m[1], -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		if attrs["data-group"] != group && !strings.Contains(attrs["class"], "group-"+group) {
			continue
		}
		v := url.Values{}
		for _, h := range uiBenchHidden.FindAllStringSubmatch(m[2], -1) {
			v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		return attrs["action"], v, nil
	}
	return "", nil, fmt.Errorf("no %s form on the page: %.300s", group, page)
}

// uiBenchTimer times every request to the UI's host, to the end of its
// body, as the client sees a page.
type uiBenchTimer struct {
	host string
	next http.RoundTripper
	mu   sync.Mutex
	d    []time.Duration
}

func (t *uiBenchTimer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != t.host {
		return t.next.RoundTrip(r)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	d := time.Since(start)
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	if resp.StatusCode == http.StatusOK {
		t.mu.Lock()
		t.d = append(t.d, d)
		t.mu.Unlock()
	}
	return resp, nil
}

func (t *uiBenchTimer) reset() { t.mu.Lock(); t.d = nil; t.mu.Unlock() }

func (t *uiBenchTimer) count() int { t.mu.Lock(); defer t.mu.Unlock(); return len(t.d) }

func (t *uiBenchTimer) p95() time.Duration { return t.p(95) }

func (t *uiBenchTimer) p(q int) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.d) == 0 {
		return 0
	}
	d := slices.Clone(t.d)
	slices.Sort(d)
	return d[len(d)*q/100]
}

// uiBenchStartUI builds authctl and runs `authctl serve ui` with the ui
// Deployment's rendered arguments, the in-cluster URLs and the listen
// address pointed at loopback.
func uiBenchStartUI(b *testing.B, root string, res *render.Result, w profile.Wiring, k *stack.Kratos, h *stack.Hydra, csrf string) (string, string) {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "authctl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/authctl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Args []string `json:"args"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	for _, o := range res.Objects {
		if o.Kind == "Deployment" && o.Name == w.UIService {
			if err := yaml.Unmarshal(o.YAML, &d); err != nil {
				b.Fatal(err)
			}
		}
	}
	if len(d.Spec.Template.Spec.Containers) == 0 {
		b.Fatalf("no Deployment %s", w.UIService)
	}
	port := stack.FreePort(b)
	replace := map[string]string{
		"--listen=":            fmt.Sprintf("127.0.0.1:%d", port),
		"--kratos-public-url=": strings.TrimSuffix(k.PublicURL, "/"),
		"--kratos-admin-url=":  strings.TrimSuffix(k.AdminURL, "/"),
		"--hydra-admin-url=":   strings.TrimSuffix(h.AdminURL, "/"),
	}
	var args []string
	for _, a := range d.Spec.Template.Spec.Containers[0].Args {
		for prefix, v := range replace {
			if strings.HasPrefix(a, prefix) {
				a = prefix + v
			}
		}
		args = append(args, a)
	}
	p, err := stack.StartProcess(b, "authctl-ui", bin, args, []string{ui.CSRFSecretEnv + "=" + csrf})
	if err != nil {
		b.Fatal(err)
	}
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := p.WaitReady(u+"/health/ready", http.DefaultClient, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	return u, bin
}

// uiBenchCPU is, for each mark, the user+system CPU time of the
// processes whose command line contains it (each server's own config path
// or binary).
func uiBenchCPU(b *testing.B, marks []string) []time.Duration {
	b.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	ticks := make([]int64, len(marks))
	found := 0
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d + "/cmdline")
		i := slices.IndexFunc(marks, func(m string) bool { return strings.Contains(string(cmdline), m) })
		if err != nil || i < 0 {
			continue
		}
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		for _, v := range f[11:13] {
			n, _ := strconv.ParseInt(v, 10, 64)
			ticks[i] += n
		}
		found++
	}
	if found < len(marks) {
		b.Fatalf("found %d of the %d server processes in /proc", found, len(marks))
	}
	out := make([]time.Duration, len(marks))
	for i, t := range ticks {
		out[i] = time.Duration(t) * time.Second / 100 // USER_HZ
	}
	return out
}

func uiBenchPools(edge *x509.CertPool, hydraCA []byte) *x509.CertPool {
	p := edge.Clone()
	p.AppendCertsFromPEM(hydraCA)
	return p
}

// uiBenchConfigMap is the data of the rendered ConfigMap named prefix-<hash>.
func uiBenchConfigMap(b *testing.B, res *render.Result, prefix string) map[string]string {
	b.Helper()
	for _, o := range res.Objects {
		if o.Kind == "ConfigMap" && (o.Name == prefix || strings.HasPrefix(o.Name, prefix+"-")) {
			var cm struct {
				Data map[string]string `json:"data"`
			}
			if err := yaml.Unmarshal(o.YAML, &cm); err != nil {
				b.Fatal(err)
			}
			return cm.Data
		}
	}
	b.Fatalf("no ConfigMap %s", prefix)
	return nil
}

func uiBenchConfig(b *testing.B, res *render.Result, cm, key string) map[string]any {
	b.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(uiBenchConfigMap(b, res, cm)[key]), &cfg); err != nil {
		b.Fatal(err)
	}
	return cfg
}

func uiBenchGet(cfg map[string]any, path string) any {
	var cur any = cfg
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func uiBenchSet(cfg map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	cur := cfg
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	cur[keys[len(keys)-1]] = v
}
