package cluster

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// TestIngressForwardsPlainHTTPOnlyToLoopback: a browser whose every
// request goes through the stand-in reaches kubectl login's redirect URI
// (plain HTTP on loopback); plain HTTP to any other address or name is
// refused without a connection, as is a CONNECT to a host no Ingress
// serves.
func TestIngressForwardsPlainHTTPOnlyToLoopback(t *testing.T) {
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "callback "+r.URL.RequestURI())
	}))
	defer callback.Close()
	in, err := StartIngress(t)
	if err != nil {
		t.Fatal(err)
	}
	proxy, _ := url.Parse(in.ProxyURL)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	resp, err := c.Get(callback.URL + "/callback?code=x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "callback /callback?code=x" {
		t.Fatalf("loopback through the stand-in: %d %q", resp.StatusCode, body)
	}
	for _, u := range []string{
		"http://10.200.0.2:8080/",                                         // the node
		"http://auth.dev.example.com/",                                    // a public name, even one an Ingress serves
		"http://localhost" + callback.URL[len("http://127.0.0.1"):] + "/", // a name, not an address
	} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s through the stand-in: HTTP %d, want 405", u, resp.StatusCode)
		}
	}
	if _, err := c.Get("https://example.com/"); err == nil {
		t.Error("a CONNECT to a host no Ingress serves was tunnelled")
	}
	if in.Connects("example.com:443") != 1 {
		t.Errorf("the refused CONNECT was not counted: %d", in.Connects("example.com:443"))
	}
}
