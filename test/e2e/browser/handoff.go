package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// HandOffEnv names the address a re-executed test binary hands a URL to:
// the --browser-command of authctl-get-token is the test binary, which
// passes the URL it was given to the test's real browser and exits, as a
// desktop's browser launcher returns once the tab is open.
const HandOffEnv = "AUTHCTL_BROWSER_HANDOFF"

// HandOffIfAsked turns a test binary into the launcher when HandOffEnv is
// set (call it from the test package's init): it posts its last argument
// to the waiting test and exits. Without HandOffEnv it returns at once.
func HandOffIfAsked() {
	addr := os.Getenv(HandOffEnv)
	if addr == "" || len(os.Args) < 2 {
		return
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.PostForm(addr, url.Values{"url": {os.Args[len(os.Args)-1]}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "browser hand-off: %v\n", err)
		os.Exit(1)
	}
	resp.Body.Close()
	os.Exit(0)
}

// Launcher receives the URLs handed off by HandOffIfAsked.
type Launcher struct {
	// Env is the environment that makes the test binary hand off here.
	Env  string
	urls chan string
}

// StartLauncher listens on loopback for handed-off URLs.
func StartLauncher(t *testing.T) *Launcher {
	t.Helper()
	l := &Launcher{urls: make(chan string, 8)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.PostFormValue("url"); strings.HasPrefix(u, "http") {
			l.urls <- u
		}
	}))
	t.Cleanup(srv.Close)
	l.Env = HandOffEnv + "=" + srv.URL
	return l
}

// Next waits for the next handed-off URL.
func (l *Launcher) Next(t *testing.T, timeout time.Duration) string {
	t.Helper()
	select {
	case u := <-l.urls:
		return u
	case <-time.After(timeout):
		t.Fatalf("no browser was launched within %v", timeout)
		return ""
	}
}

// Launched returns a URL handed to the browser since the last Next, if
// any, without waiting: a test checks that no login was started.
func (l *Launcher) Launched() (string, bool) {
	select {
	case u := <-l.urls:
		return u, true
	default:
		return "", false
	}
}
