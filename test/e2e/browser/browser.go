// Package browser drives a real Chromium (Debian's chromium, installed by
// hack/test.sh) over the DevTools protocol for the TestBrowser… tests, and
// provides the Edge every public host is reached through. Each page a test
// passes is kept as a PNG under the test's artifact directory.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// ChromiumEnv overrides the browser binary (default: chromium on PATH,
// then /usr/bin/chromium).
const ChromiumEnv = "AUTHCTL_CHROMIUM"

// ArtifactsEnv, when set, is a folder screenshots are copied to as well
// (one subfolder per test), so they outlive the test's own directory.
const ArtifactsEnv = "AUTHCTL_ARTIFACTS"

// Options configure Start.
type Options struct {
	// ProxyURL is the edge every request goes through (loopback
	// included: Chromium's implicit bypass is turned off).
	ProxyURL string
	// TrustSPKI are the SPKI pins of certificates the browser accepts
	// besides the system's (the edge's, Hydra's harness certificate).
	TrustSPKI []string
	// Timeout bounds every action (default 30 s).
	Timeout time.Duration
}

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	t       testing.TB
	ctx     context.Context
	timeout time.Duration
	shotDir string
	copyDir string
	n       int
	// Shots are the paths of the screenshots taken, in order.
	Shots []string
}

// Path finds the Chromium binary or fails the test with the fix.
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(ChromiumEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatalf("no chromium: hack/test.sh installs it (apt-get install -y chromium), or set %s", ChromiumEnv)
	return ""
}

// Flags are the Chromium flags of every test browser: headless as root,
// no background traffic, nothing but the edge.
func Flags(userDataDir string, o Options) []chromedp.ExecAllocatorOption {
	flags := []chromedp.ExecAllocatorOption{
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		// Less background traffic (which the edge would refuse anyway).
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater"),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(900, 1000),
	}
	if o.ProxyURL != "" {
		flags = append(flags,
			chromedp.ProxyServer(o.ProxyURL),
			// Loopback goes through the edge too, which tunnels it.
			chromedp.Flag("proxy-bypass-list", "<-loopback>"),
			// Names are the edge's to route; the browser resolves none.
			chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		)
	}
	if len(o.TrustSPKI) > 0 {
		flags = append(flags, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(o.TrustSPKI, ",")))
	}
	return flags
}

// Start launches Chromium with a fresh --user-data-dir; it is closed on
// t.Cleanup.
func Start(t *testing.T, o Options) *Browser {
	t.Helper()
	exe := Path(t)
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	opts := append([]chromedp.ExecAllocatorOption{chromedp.ExecPath(exe)}, Flags(t.TempDir(), o)...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	b := &Browser{t: t, ctx: ctx, timeout: o.Timeout, shotDir: t.ArtifactDir()}
	if dir := os.Getenv(ArtifactsEnv); dir != "" {
		b.copyDir = filepath.Join(dir, safeName(t.Name()))
		if err := os.MkdirAll(b.copyDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v", exe, err)
	}
	t.Logf("chromium started in %v (screenshots in %s)", time.Since(start).Round(time.Millisecond), b.shotDir)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return b
}

// Context is the browser's DevTools context, for actions this type does
// not wrap (chromedp.Call with a cdproto command).
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs steps with the browser's timeout, failing the test (with a
// screenshot of where it stood) on error.
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.Try(steps...); err != nil {
		b.Shot("failed-" + what)
		b.t.Fatalf("%s: %v (at %s)", what, err, b.URL())
	}
}

// Try runs steps with the browser's timeout and returns their error.
func (b *Browser) Try(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Navigate opens u and waits for its body.
func (b *Browser) Navigate(u string) {
	b.t.Helper()
	b.Do("navigate", chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
}

// URL is the page's current URL ("" when it cannot be read).
func (b *Browser) URL() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// Text is the visible text of the page's body.
func (b *Browser) Text() string {
	b.t.Helper()
	return b.text()
}

// WaitURL waits until the page's URL matches re and the page has loaded,
// failing with the page it stopped at.
func (b *Browser) WaitURL(re string) string {
	b.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(b.timeout)
	for time.Now().Before(deadline) {
		if u := b.URL(); rx.MatchString(u) {
			ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
			ready, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
			cancel()
			if ready == "complete" {
				return u
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Shot("failed-wait-url")
	b.t.Fatalf("the browser did not reach %s; it is at %s showing:\n%s", re, b.URL(), b.text())
	return ""
}

// WaitText waits until the body contains s.
func (b *Browser) WaitText(s string) {
	b.t.Helper()
	deadline := time.Now().Add(b.timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(b.text(), s) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Shot("failed-wait-text")
	b.t.Fatalf("the page at %s never showed %q; it shows:\n%s", b.URL(), s, b.text())
}

func (b *Browser) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	return s
}

// TextOf is the visible text of the element matched by the CSS selector.
func (b *Browser) TextOf(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.Shot("failed-text-of")
		b.t.Fatalf("reading %s: %v (at %s)", sel, err, b.URL())
	}
	return strings.TrimSpace(s)
}

// Fill types value into the field matched by the CSS selector.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	b.Do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel))); err != nil || got != value {
		b.t.Fatalf("fill %s: the field holds %q after typing (%v)", sel, got, err)
	}
}

// Click clicks the element matched by the CSS selector.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.Do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// Cookies returns the browser's cookies for u.
func (b *Browser) Cookies(u string) []*network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		b.t.Fatalf("reading cookies: %v", err)
	}
	return res.Cookies
}

// Shot saves a full-page PNG of the current page as NN-name.png and
// returns its path.
func (b *Browser) Shot(name string) string {
	b.t.Helper()
	b.n++
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	file := fmt.Sprintf("%02d-%s.png", b.n, safeName(name))
	path := filepath.Join(b.shotDir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	if b.copyDir != "" {
		_ = os.WriteFile(filepath.Join(b.copyDir, file), png, 0o644)
	}
	b.Shots = append(b.Shots, path)
	return path
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func safeName(s string) string { return strings.Trim(unsafe.ReplaceAllString(s, "-"), "-") }

// KubectlLogin is what a person does when kubectl's exec plugin opens the
// browser on the login page of authHost: sign in there (the page names the
// app), consent, and reach get-token's loopback callback page. The pages
// are kept as PREFIX-login, PREFIX-consent and PREFIX-callback.
func (b *Browser) KubectlLogin(authHost, email, password, prefix string) {
	b.t.Helper()
	host := regexp.QuoteMeta(authHost)
	b.WaitURL(`^https://` + host + `/login\?flow=`)
	b.WaitText("to continue to")
	b.Shot(prefix + "-login")
	b.Fill("#password-identifier", email)
	b.Fill("#password-password", password)
	b.Click("#password-method")
	b.WaitURL(`^https://` + host + `/consent\?consent_challenge=`)
	b.Shot(prefix + "-consent")
	b.Click("#consent-accept")
	b.WaitURL(`^http://127\.0\.0\.1:[0-9]+/callback`)
	b.Shot(prefix + "-callback")
}
