package bootstrap_test

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
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestBootstrapClientCreateResponseLostFakeProxy: real Hydra behind an
// in-process proxy that interferes with the first POST /admin/clients (a
// lost response, or another actor's create racing ours, are faults a real
// server cannot be made to produce on demand).
//
//   - lost response: Hydra creates the client, the proxy drops the
//     connection before the answer; the retry meets 409 and the run still
//     ends with a saved secret that works at Hydra's real token endpoint;
//   - someone else's client: between bootstrap's GET (404) and its POST,
//     another actor creates the same client id without authctl's marker;
//     the 409 stays an error, nothing is saved, and that client's secret is
//     left alone.
func TestBootstrapClientCreateResponseLostFakeProxy(t *testing.T) {
	stack.Require(t)
	h := bsHydra(t)
	target, _ := url.Parse(h.AdminURL)
	rp := httputil.NewSingleHostReverseProxy(target)

	const theirSecret = "their-secret-0123456789abcdef"
	for name, tc := range map[string]struct {
		clientID string
		// interfere runs instead of proxying the first create.
		interfere func(t *testing.T, w http.ResponseWriter, r *http.Request, body []byte)
		wantSaved bool
	}{
		"lost response": {
			clientID: "lost.response",
			interfere: func(t *testing.T, w http.ResponseWriter, r *http.Request, body []byte) {
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
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
			},
			wantSaved: true,
		},
		"someone else's client": {
			clientID: "raced",
			interfere: func(t *testing.T, w http.ResponseWriter, r *http.Request, body []byte) {
				h.CreateClient(t, map[string]any{"client_id": "raced", "client_secret": theirSecret,
					"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "client_secret_post"})
				r.Body = io.NopCloser(strings.NewReader(string(body)))
				rp.ServeHTTP(w, r)
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			var creates atomic.Int32
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/admin/clients" && creates.Add(1) == 1 {
					body, _ := io.ReadAll(r.Body)
					tc.interfere(t, w, r, body)
					return
				}
				rp.ServeHTTP(w, r)
			}))
			defer proxy.Close()
			in := e2e.WriteFile(t, t.TempDir(), "clients.yaml", []byte("- {client_id: "+tc.clientID+", grant_types: [client_credentials], token_endpoint_auth_method: client_secret_post}\n"))
			out := filepath.Join(t.TempDir(), "client-secrets.yaml")
			sum, err := ory.Run(context.Background(), ory.Options{
				HydraAdminURL: proxy.URL,
				Clients:       ory.ClientOptions{File: in},
				WriteSecrets:  ory.SecretFile{Path: out}.Write,
			})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.wantSaved {
				if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0].Message, "not managed by authctl") {
					t.Fatalf("errors: %+v, want the conflict with someone else's client", sum.Errors)
				}
				if code := bsToken(t, h, tc.clientID, theirSecret); code != http.StatusOK {
					t.Fatalf("their client's secret was changed: HTTP %d", code)
				}
				return
			}
			if len(sum.Errors) != 0 {
				t.Fatalf("errors: %+v", sum.Errors)
			}
			if n := creates.Load(); n < 2 {
				t.Fatalf("%d creates reached the proxy, want the dropped one and its retry", n)
			}
			secret := bsSecrets(t, out)[tc.clientID]
			if secret == "" {
				t.Fatal("no secret saved for the client whose create response was lost")
			}
			if code := bsToken(t, h, tc.clientID, secret); code != http.StatusOK {
				t.Fatalf("the saved secret does not work at Hydra: HTTP %d", code)
			}
		})
	}
}
