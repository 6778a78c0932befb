package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBootstrapClientCreateResponseLostFakeProxy: real Hydra behind an
// in-process proxy that drops the connection after Hydra answered the
// first POST /admin/clients (a lost response is a fault a real server
// cannot be made to produce). Hydra has created the client, the retry
// meets 409, and the run still ends with a saved secret that works at
// Hydra's real token endpoint.
func TestBootstrapClientCreateResponseLostFakeProxy(t *testing.T) {
	stack.Require(t)
	h := bsHydra(t)
	target, _ := url.Parse(h.AdminURL)
	rp := httputil.NewSingleHostReverseProxy(target)
	var dropped atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/admin/clients" && dropped.Add(1) == 1 {
			body, _ := io.ReadAll(r.Body)
			req, _ := http.NewRequestWithContext(r.Context(), r.Method, h.AdminURL+"admin/clients", strings.NewReader(string(body)))
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("proxy: %v", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("proxy: Hydra answered %d to the first create", resp.StatusCode)
			}
			// Hydra committed the client; its answer never arrives.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	in := writeFile(t, t.TempDir(), "clients.yaml", []byte("- {client_id: lost.response, grant_types: [client_credentials], token_endpoint_auth_method: client_secret_post}\n"))
	out := filepath.Join(t.TempDir(), "client-secrets.yaml")
	sum, err := ory.Run(context.Background(), ory.Options{
		HydraAdminURL: proxy.URL,
		Clients:       ory.ClientOptions{File: in},
		WriteSecrets:  ory.SecretFile{Path: out}.Write,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Errors) != 0 {
		t.Fatalf("errors: %+v", sum.Errors)
	}
	if n := dropped.Load(); n < 2 {
		t.Fatalf("%d creates reached the proxy, want the dropped one and its retry", n)
	}
	secret := bsSecrets(t, out)["lost.response"]
	if secret == "" {
		t.Fatal("no secret saved for the client whose create response was lost")
	}
	if code := bsToken(t, h, "lost.response", secret); code != http.StatusOK {
		t.Fatalf("the saved secret does not work at Hydra: HTTP %d", code)
	}
}
