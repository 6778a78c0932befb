package browser_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBrowserKubectlHeadlessLogin: kubectl runs on a host without a
// browser (a network namespace of the test's own, reaching only the issuer
// and the API server through loopback forwards, as an SSH host would),
// with the exec user that `authctl kubeconfig setup --grant-type
// authcode-keyboard -f PROFILE` wrote. The plugin prints the login URL;
// the person opens it in a browser elsewhere (the test's Chromium, whose
// 127.0.0.1 is not the host's), signs in on the built-in pages, consents,
// and the login UI's code page shows the code; pasted into kubectl's
// terminal, it becomes a token the real kube-apiserver accepts with the
// person's groups. The tricks: a code pasted into another login's
// terminal is refused (state), and a code whose state is forged to match
// is refused by Hydra (PKCE: the verifier is the other process's) and
// burnt for its own terminal too, and a spent code is refused.
func TestBrowserKubectlHeadlessLogin(t *testing.T) {
	stack.Require(t)
	bin := e2e.BuildPlugin(t)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	profileFile := e2e.InRepo("examples/ingress.yaml")
	p, err := profile.Load(profileFile)
	if err != nil {
		t.Fatal(err)
	}
	codeURL := p.Wiring().KubectlCodeURL
	if codeURL != "https://auth.blog.example.com/kubectl/code" {
		t.Fatalf("wiring's code page = %q", codeURL)
	}
	r := e2e.RenderProfile(t, "ingress", p)
	s := startSite(t, r, siteOptions{Hydra: true, TokenHook: true})
	const email, password = "remote@blog.example.com", "Remote-correct-horse-8R!y"
	s.createIdentity(t, email, password, "staff")
	caFile := e2e.WriteFile(t, t.TempDir(), "hydra-ca.crt", s.hydra.CAPEM)

	clusterKC := kubeAPIServerFor(t, s, r, "authentication-config.yaml")

	cacheDir := filepath.Join(t.TempDir(), "tokens")
	run(t, nil, filepath.Join(bin, "authctl"), "kubeconfig", "setup", "-f", profileFile,
		"--hydra-admin-url", s.hydra.AdminURL, "--hydra-admin-certificate-authority", caFile,
		"--issuer-url", s.hydra.IssuerURL, "--certificate-authority", caFile,
		"--grant-type", "authcode-keyboard",
		"--kubeconfig", clusterKC, "--cluster", "e2e", "--set-current-context",
		"--token-cache-dir", cacheDir, "--no-login")

	// The host: its loopback reaches Hydra's public port and the API
	// server, nothing else; the browser is not on it.
	host := e2e.StartHost(t)
	hydraAddr := hostPort(t, s.hydra.IssuerURL)
	host.Forward(t, hydraAddr, hostPort(t, kubeServer(t, clusterKC)))
	if out, err := host.Command(filepath.Join(bin, "authctl"), "login", "--issuer-url", s.ui.URL, "--client-id", "x").CombinedOutput(); err == nil || !strings.Contains(string(out), "connection refused") {
		t.Fatalf("the host reached the UI's loopback address, which it must not (it stands for another machine): %v\n%s", err, out)
	}

	// kubectl on the host, in a terminal.
	master, tty := e2e.PTYPair(t)
	cmd := host.Command("kubectl", "--kubeconfig", clusterKC, "auth", "whoami", "-o", "json")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stdin = &out, tty
	stderr := watchStderr(t, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	b := s.b
	b.Navigate(stderr.loginURL(t))
	b.WaitURL(`^https://auth\.blog\.example\.com/login\?flow=`)
	b.Fill("#password-identifier", email)
	b.Fill("#password-password", password)
	b.Click("#password-method")
	b.WaitURL(`^https://auth\.blog\.example\.com/consent\?consent_challenge=`)
	b.Click("#consent-accept")
	b.WaitURL(`^https://auth\.blog\.example\.com/kubectl/code\?code=`)
	b.WaitText("paste it into the terminal")
	b.Shot("kubectl-code")
	value := codeValue(t, b.Context())
	if _, err := io.WriteString(master, value+"\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("kubectl auth whoami on the host: %v\n%s", err, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("kubectl did not finish after the code was pasted:\n%s", stderr.String())
	}
	if user, groups := e2e.WhoAmI(t, out.String()); user != "oidc:"+email || !slices.Contains(groups, "oidc:staff") {
		t.Fatalf("kube-apiserver sees %s in %v, want oidc:%s in oidc:staff", user, groups, email)
	}
	if strings.Contains(stderr.String(), strings.SplitN(value, "~", 2)[1]) {
		t.Fatal("the plugin's stderr shows the code")
	}
	keepShots(t, b, map[string]string{"kubectl-code": "kubectl-code"})

	// The tricks, each with `authctl login` on the host (same grant, same
	// client; a cache each, as on different hosts, so that no login waits
	// for another's lock): three logins wait for a code; the browser
	// (still signed in) completes the second one's URL.
	loginArgs := []string{"login", "--issuer-url", s.hydra.IssuerURL, "--client-id", p.Spec.Kubernetes.ClientID,
		"--grant-type", "authcode-keyboard", "--redirect-url", codeURL, "--certificate-authority", caFile,
		"--scope", "offline_access"}
	start := func() (*exec.Cmd, io.WriteCloser, *stderrWatch, chan error) {
		c := host.Command(filepath.Join(bin, "authctl"), append(loginArgs, "--token-cache-dir", filepath.Join(t.TempDir(), "tokens"))...)
		in, err := c.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		w := watchStderr(t, c)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- c.Wait() }()
		return c, in, w, ch
	}
	wait := func(ch chan error, w *stderrWatch) error {
		select {
		case err := <-ch:
			return err
		case <-time.After(time.Minute):
			t.Fatalf("authctl login did not end:\n%s", w.String())
			return nil
		}
	}
	_, inA, errA, doneA := start()
	_, inB, errB, doneB := start()
	_, inC, errC, doneC := start()
	errA.loginURL(t)
	urlC := errC.loginURL(t)
	b.Navigate(errB.loginURL(t))
	if b.WaitURL(`^https://auth\.blog\.example\.com/(consent\?consent_challenge=|kubectl/code\?code=)`); strings.Contains(b.URL(), "/consent") {
		b.Click("#consent-accept")
		b.WaitURL(`^https://auth\.blog\.example\.com/kubectl/code\?code=`)
	}
	valueB := codeValue(t, b.Context())
	_, codeB, _ := strings.Cut(valueB, "~")

	// B's code in A's terminal: another login's.
	io.WriteString(inA, valueB+"\n")
	if err := wait(doneA, errA); err == nil || !strings.Contains(errA.String(), "belongs to another login") {
		t.Fatalf("A accepted B's code (%v):\n%s", err, errA.String())
	}
	// B's code with C's state: the state matches, PKCE does not.
	io.WriteString(inC, stateOf(t, urlC)+"~"+codeB+"\n")
	if err := wait(doneC, errC); err == nil || !strings.Contains(errC.String(), "could not exchange the authorization code") {
		t.Fatalf("C exchanged B's code with its own verifier (%v):\n%s", err, errC.String())
	}
	// Hydra drops a code's PKCE data when an exchange fails it: the
	// forged attempt burnt B's code, so even B's own terminal gets nothing
	// (the right terminal succeeding is the kubectl run above).
	io.WriteString(inB, valueB+"\n")
	if err := wait(doneB, errB); err == nil || !strings.Contains(errB.String(), "invalid_grant") {
		t.Fatalf("B's code still worked after a forged exchange (%v):\n%s", err, errB.String())
	}
	// kubectl's code, pasted again with a matching state: spent.
	_, inD, errD, doneD := start()
	io.WriteString(inD, stateOf(t, errD.loginURL(t))+"~"+strings.SplitN(value, "~", 2)[1]+"\n")
	if err := wait(doneD, errD); err == nil || !strings.Contains(errD.String(), "invalid_grant") {
		t.Fatalf("a spent code was exchanged again (%v):\n%s", err, errD.String())
	}
}

// stderrWatch collects a process's stderr and finds the login URL in it.
type stderrWatch struct {
	buf  e2e.SyncBuffer
	urls chan string
}

var loginURLLine = regexp.MustCompile(`^\s+(https://\S+/oauth2/auth\?\S+)$`)

func watchStderr(t *testing.T, c *exec.Cmd) *stderrWatch {
	t.Helper()
	pr, pw := io.Pipe()
	c.Stderr = pw
	w := &stderrWatch{urls: make(chan string, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			w.buf.Write(append(sc.Bytes(), '\n'))
			if m := loginURLLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case w.urls <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { pw.Close() })
	return w
}

func (w *stderrWatch) loginURL(t *testing.T) string {
	t.Helper()
	select {
	case u := <-w.urls:
		return u
	case <-time.After(time.Minute):
		t.Fatalf("no login URL on stderr:\n%s", w.String())
		return ""
	}
}

func (w *stderrWatch) String() string { return w.buf.String() }

func codeValue(t *testing.T, ctx context.Context) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#kubectl-code")))
	if err != nil || !strings.Contains(v, "~") {
		t.Fatalf("the code page's value %q: %v", v, err)
	}
	return v
}

func stateOf(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil || u.Query().Get("state") == "" {
		t.Fatalf("login URL %q has no state", authURL)
	}
	return u.Query().Get("state")
}

func hostPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		t.Fatalf("%s has no port", raw)
	}
	return u.Host
}

func kubeServer(t *testing.T, kubeconfig string) string {
	t.Helper()
	out, err := exec.Command("kubectl", "--kubeconfig", kubeconfig, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
