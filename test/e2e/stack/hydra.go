package stack

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// HydraOptions configure StartHydra.
type HydraOptions struct {
	// Config is the caller's Hydra config. It is copied, never modified.
	Config map[string]any
	// PlainHTTP serves plain HTTP instead of TLS. The default (false) is
	// TLS with a serving certificate from a harness CA, and an https
	// issuer, which is what kube-apiserver's OIDC authenticator needs.
	PlainHTTP bool
	// Dev passes --dev to `hydra serve all`. Hydra refuses an http://
	// issuer without it, so set it together with PlainHTTP.
	Dev bool
	// SQLite uses a SQLite file in t.TempDir() (migrated with
	// `hydra migrate sql up`) instead of the in-memory DSN.
	SQLite bool
	// ReadyTimeout overrides the default of 60s.
	ReadyTimeout time.Duration
	// Env adds environment variables, the way a rendered Deployment sets
	// config values from Secrets (e.g. OAUTH2_TOKEN_HOOK_AUTH_CONFIG_VALUE).
	// DSN is the harness's.
	Env []string
	// DataDir and the ports, when set, are reused: a second start with
	// the same ones is a restart on the same SQLite database (with
	// SQLite), as a pod restart keeps its database.
	DataDir               string
	PublicPort, AdminPort int
}

// Hydra is a running Ory Hydra (`hydra serve all`).
type Hydra struct {
	PublicURL string // e.g. https://127.0.0.1:PORT/ (trailing slash)
	AdminURL  string // e.g. https://127.0.0.1:PORT/
	// DataDir and the ports: pass them back in HydraOptions to restart.
	DataDir               string
	PublicPort, AdminPort int
	// IssuerURL is the issuer exactly as Hydra's discovery document
	// reports it (use it verbatim as an OIDC issuer URL).
	IssuerURL string
	// CA is the harness CA that signed the serving certificate (nil with
	// PlainHTTP); CAPEM and CertPool are its PEM and a pool holding it.
	CA       *CA
	CAPEM    []byte
	CertPool *x509.CertPool
	// HTTPClient trusts the CA and never uses a proxy.
	HTTPClient *http.Client
	// ConfigPath is the final config file the server was started with.
	ConfigPath string
	// DSN is the database DSN Hydra was given.
	DSN     string
	Process *Process

	rewrites []string
}

// Rewrites lists the loopback rewrites applied to the caller's config, one
// "path: old -> new" string each.
func (h *Hydra) Rewrites() []string { return append([]string(nil), h.rewrites...) }

// Stop stops the server (SIGTERM, then SIGKILL) and waits for it to exit.
func (h *Hydra) Stop() { h.Process.Stop() }

// StartHydra is TryStartHydra that fails the test on error.
func StartHydra(t testing.TB, opts HydraOptions) *Hydra {
	t.Helper()
	h, err := TryStartHydra(t, opts)
	if err != nil {
		t.Fatalf("stack: starting hydra: %v", err)
	}
	return h
}

// TryStartHydra starts `hydra serve all` with the caller's config after
// these loopback rewrites (see Hydra.Rewrites):
//
//	serve.public.host, serve.public.port, serve.admin.host, serve.admin.port -> 127.0.0.1, random ports
//	dsn -> memory (or a SQLite file with opts.SQLite)
//	urls.self.issuer, urls.self.public -> https://127.0.0.1:PUBLIC/ (http:// with PlainHTTP)
//	serve.tls.enabled, serve.tls.cert.path, serve.tls.key.path -> harness serving cert (unless PlainHTTP)
//
// It waits until the admin and public /health/ready answer 200. The error
// of a server that exits or never gets ready contains the tail of its log.
func TryStartHydra(t testing.TB, opts HydraOptions) (*Hydra, error) {
	t.Helper()
	bin, err := BinaryPath(ToolHydra)
	if err != nil {
		return nil, err
	}
	dir, pub, adm := reuse(t, opts.DataDir, opts.PublicPort, opts.AdminPort)
	rw := newRewriter(opts.Config)
	rw.set("serve.public.host", "127.0.0.1")
	rw.set("serve.public.port", pub)
	rw.set("serve.admin.host", "127.0.0.1")
	rw.set("serve.admin.port", adm)

	h := &Hydra{DSN: "memory", DataDir: dir, PublicPort: pub, AdminPort: adm}
	if opts.SQLite {
		h.DSN = "sqlite://" + filepath.Join(dir, "hydra.sqlite") + "?_fk=true&mode=rwc"
	}
	rw.set("dsn", h.DSN)

	scheme := "https"
	var tc *tls.Config
	if opts.PlainHTTP {
		scheme = "http"
	} else {
		h.CA = NewCA(t, "authctl-e2e hydra CA")
		h.CAPEM = h.CA.CertPEM
		h.CertPool = h.CA.Pool
		certPath, keyPath := h.CA.ServingCert(t).WriteFiles(t, dir, "hydra-serving")
		writeFile(t, filepath.Join(dir, "ca.crt"), h.CAPEM, 0o644)
		rw.set("serve.tls.enabled", true)
		rw.set("serve.tls.cert.path", certPath)
		rw.set("serve.tls.key.path", keyPath)
		tc = &tls.Config{RootCAs: h.CertPool}
	}
	h.PublicURL = fmt.Sprintf("%s://127.0.0.1:%d/", scheme, pub)
	h.AdminURL = fmt.Sprintf("%s://127.0.0.1:%d/", scheme, adm)
	rw.set("urls.self.issuer", h.PublicURL)
	rw.set("urls.self.public", h.PublicURL)
	h.HTTPClient = httpClientFor(tc)
	h.rewrites = rw.strings()
	h.ConfigPath = rw.write(t, dir, "hydra.yaml")

	if opts.SQLite {
		if _, err := runToCompletion(t, "hydra-migrate", bin,
			[]string{"migrate", "sql", "up", "-e", "--yes", "--config", h.ConfigPath},
			[]string{"DSN=" + h.DSN}, 2*time.Minute); err != nil {
			return nil, err
		}
	}
	args := []string{"serve", "all", "--config", h.ConfigPath, "--sqa-opt-out"}
	if opts.Dev {
		args = append(args, "--dev")
	}
	p, err := startProcess(t, "hydra", bin, args, append(append([]string(nil), opts.Env...), "DSN="+h.DSN))
	if err != nil {
		return nil, err
	}
	h.Process = p
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	start := time.Now()
	if err := p.waitReady(h.AdminURL+"health/ready", h.HTTPClient, timeout); err != nil {
		return nil, err
	}
	if err := p.waitReady(h.PublicURL+"health/ready", h.HTTPClient, timeout-time.Since(start)); err != nil {
		return nil, err
	}
	var disc struct {
		Issuer string `json:"issuer"`
	}
	if err := h.getJSON(h.PublicURL+".well-known/openid-configuration", &disc); err != nil {
		return nil, p.errorWithLog("reading discovery: %v", err)
	}
	h.IssuerURL = disc.Issuer
	// Hydra generates its signing keys after it reports ready; on a loaded
	// machine the first JWKS request then outlasts a client's timeout
	// (doctor's 5 s), so a started Hydra is one that serves its keys.
	// Under load the key generation outlasts a short request timeout, which
	// rolls it back: wait for the answer (up to a minute a request).
	if err := p.waitReadyEach(h.PublicURL+".well-known/jwks.json", h.HTTPClient, timeout, time.Minute); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Hydra) getJSON(u string, out any) error {
	resp, err := h.HTTPClient.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d: %s", u, resp.StatusCode, body)
	}
	return json.Unmarshal(body, out)
}

// CreateClient POSTs an OAuth2 client to /admin/clients and returns Hydra's
// answer (which includes client_id and, when generated, client_secret).
func (h *Hydra) CreateClient(t testing.TB, client map[string]any) map[string]any {
	t.Helper()
	body, err := json.Marshal(client)
	mustf(t, err, "marshalling client")
	resp, err := h.HTTPClient.Post(h.AdminURL+"admin/clients", "application/json", bytes.NewReader(body))
	mustf(t, err, "POST /admin/clients")
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("stack: POST /admin/clients: HTTP %d: %s", resp.StatusCode, data)
	}
	var out map[string]any
	mustf(t, json.Unmarshal(data, &out), "decoding client")
	return out
}

// ClientCredentialsToken runs the client_credentials grant with
// client_secret_post and returns the access token.
func (h *Hydra) ClientCredentialsToken(t testing.TB, clientID, secret string, audience ...string) string {
	t.Helper()
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {clientID},
		"client_secret": {secret},
	}
	if len(audience) > 0 {
		form.Set("audience", strings.Join(audience, " "))
	}
	resp, err := h.HTTPClient.PostForm(h.PublicURL+"oauth2/token", form)
	mustf(t, err, "POST /oauth2/token")
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stack: POST /oauth2/token: HTTP %d: %s", resp.StatusCode, data)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	mustf(t, json.Unmarshal(data, &tok), "decoding token response")
	if tok.AccessToken == "" {
		t.Fatalf("stack: token response without access_token: %s", data)
	}
	return tok.AccessToken
}
