// Command e2eutil is the one static binary inside the cluster harness's
// helper images: the pod sandbox ("pause"), an HTTP echo upstream
// ("serve") and an HTTP client for probes from inside the cluster ("get").
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: e2eutil pause | serve ADDR | get URL [TIMEOUT]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "pause":
		pause()
	case "serve":
		serve(os.Args[2])
	case "get":
		timeout := 5 * time.Second
		if len(os.Args) > 3 {
			if d, err := time.ParseDuration(os.Args[3]); err == nil {
				timeout = d
			}
		}
		os.Exit(get(os.Args[2], timeout))
	case "fetch":
		// fetch URL HOST [Name: value]...: one request with a Host and
		// headers; prints "STATUS BODY" and exits 0 on any HTTP answer.
		os.Exit(fetch(os.Args[2], os.Args[3], os.Args[4:]))
	case "get-all":
		// get-all TIMEOUT URL...: one line per URL, "URL STATUS" or
		// "URL TIMEOUT" or "URL ERROR msg"; always exits 0.
		timeout, _ := time.ParseDuration(os.Args[2])
		for _, u := range os.Args[3:] {
			fmt.Println(u, probe(u, timeout))
		}
	default:
		fmt.Fprintf(os.Stderr, "e2eutil: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

// pause is the sandbox process: it reaps nothing and waits for a signal.
func pause() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	<-ch
}

// serve answers every request with a JSON echo of the method, path and
// headers, so a test can see what an upstream received.
func serve(addr string) {
	fmt.Printf("e2eutil: serving on %s as uid %d\n", addr, os.Getuid())
	err := http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		h := map[string]string{}
		for _, k := range keys {
			h[k] = strings.Join(r.Header[k], ", ")
		}
		host, _ := os.Hostname()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "path": r.URL.RequestURI(), "host": r.Host, "headers": h, "pod": host,
		})
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// get prints "STATUS BODY" and exits 0 on any HTTP answer, 3 on a
// connection error, 4 on a timeout.
func get(url string, timeout time.Duration) int {
	c := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Println("ERROR", err)
		if os.IsTimeout(err) || strings.Contains(err.Error(), "Timeout") {
			return 4
		}
		return 3
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Printf("%d %s\n", resp.StatusCode, body)
	return 0
}

func probe(url string, timeout time.Duration) string {
	c := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		if os.IsTimeout(err) || strings.Contains(err.Error(), "Timeout") {
			return "TIMEOUT"
		}
		return "ERROR " + err.Error()
	}
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

func fetch(url, host string, headers []string) int {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		fmt.Println("ERROR", err)
		return 3
	}
	req.Host = host
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		fmt.Println("ERROR", err)
		return 3
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Printf("%d %s\n", resp.StatusCode, body)
	return 0
}
