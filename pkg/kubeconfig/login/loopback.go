package login

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// loopback is the redirect target of a browser login: a server on a
// loopback address that receives the authorization response, exchanges
// the code while the browser waits, and answers with the outcome.
type loopback struct {
	ln          net.Listener
	redirectURL string
	// indexURL redirects to authURL: it is what the browser opens, so the
	// URL a person may have to copy stays short.
	indexURL string
	authURL  string
	state    string
	path     string
	exchange func(code string) (*kubeconfig.TokenSet, *Claims, error)

	once   sync.Once
	result chan loopbackResult
}

type loopbackResult struct {
	tokens *kubeconfig.TokenSet
	claims *Claims
	err    error
}

// listenLoopback binds the first free address of o.Listen.
func listenLoopback(o *kubeconfig.Options) (*loopback, error) {
	var errs []error
	for _, addr := range o.Listen {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		port := ln.Addr().(*net.TCPAddr).Port
		base := "http://" + net.JoinHostPort(o.RedirectHost, strconv.Itoa(port))
		lb := &loopback{ln: ln, indexURL: base + "/", path: kubeconfig.CallbackPath, result: make(chan loopbackResult, 1)}
		lb.redirectURL = base + kubeconfig.CallbackPath
		if o.RedirectWithoutPath {
			lb.redirectURL, lb.path = base, "/"
		}
		return lb, nil
	}
	return nil, fmt.Errorf("could not listen on any of %s: %w", strings.Join(o.Listen, ", "), errors.Join(errs...))
}

// serve answers the browser until one authorization response has been
// handled, or ctx ends.
func (lb *loopback) serve(ctx context.Context) (*kubeconfig.TokenSet, *Claims, error) {
	srv := &http.Server{Handler: lb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(lb.ln) }()
	defer func() {
		// The page of the outcome is written before the result is sent;
		// Shutdown lets that response finish.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	select {
	case r := <-lb.result:
		return r.tokens, r.claims, r.err
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

func (lb *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	isResponse := q.Has("code") || q.Has("error")
	switch {
	case r.Method != http.MethodGet:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case r.URL.Path == lb.path && isResponse:
		lb.callback(w, q.Get("state"), q.Get("code"), q.Get("error"), q.Get("error_description"))
	case r.URL.Path == "/":
		http.Redirect(w, r, lb.authURL, http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

// callback handles the one authorization response: a response with
// another state is refused without ending the login (anything on the
// machine can call a loopback port); the first with the right state
// decides it.
func (lb *loopback) callback(w http.ResponseWriter, state, code, errCode, errDesc string) {
	if subtle.ConstantTimeCompare([]byte(state), []byte(lb.state)) != 1 {
		writePage(w, http.StatusBadRequest, "Login failed", "This response does not belong to the login authctl started (the state does not match). Return to the terminal.")
		return
	}
	handled := false
	lb.once.Do(func() {
		handled = true
		var res loopbackResult
		if errCode != "" {
			res.err = fmt.Errorf("the issuer answered %s: %s", errCode, errDesc)
		} else {
			res.tokens, res.claims, res.err = lb.exchange(code)
		}
		if res.err != nil {
			writePage(w, http.StatusUnauthorized, "Login failed", "authctl could not log you in: "+res.err.Error()+". Return to the terminal.")
		} else {
			who := res.claims.Email
			if who == "" {
				who = res.claims.Subject
			}
			writePage(w, http.StatusOK, "Logged in", "authctl is logged in as "+who+". You can close this tab.")
		}
		lb.result <- res
	})
	if !handled {
		writePage(w, http.StatusConflict, "Login already handled", "This login has already been handled. Return to the terminal.")
	}
}

func writePage(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>authctl: %s</title></head>\n<body><h1>%s</h1><p>%s</p></body></html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}

// debugTransport writes one --log-level debug line per HTTP request:
// method, URL without its query values, status and time. It never logs a
// header or a body (tokens, codes and secrets travel there).
type debugTransport struct {
	next   http.RoundTripper
	debugf func(format string, args ...any)
}

func (d debugTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := d.next.RoundTrip(r)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		d.debugf("%s %s: %v (%s)", r.Method, redactURL(r.URL.String()), err, took)
		return resp, err
	}
	d.debugf("%s %s: %s (%s)", r.Method, redactURL(r.URL.String()), resp.Status, took)
	return resp, nil
}

// redactURL keeps a URL's scheme, host, path and query names and drops
// the query values: authorization requests carry state, nonce and code
// challenges, redirects carry codes.
func redactURL(u string) string {
	base, query, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	var names []string
	for _, kv := range strings.Split(query, "&") {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name+"=…")
	}
	return base + "?" + strings.Join(names, "&")
}
