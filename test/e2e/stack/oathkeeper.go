package stack

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// OathkeeperOptions configure StartOathkeeper.
type OathkeeperOptions struct {
	// Config is the caller's Oathkeeper config. It is copied, never
	// modified.
	Config map[string]any
	// Rules are access-rule files (JSON or YAML, each a list of rules).
	// They are written to t.TempDir() and access_rules.repositories is
	// replaced by their file:// URLs. With no Rules, access_rules.repositories
	// is left as the caller set it.
	Rules [][]byte
	// ReadyTimeout overrides the default of 60s.
	ReadyTimeout time.Duration
	// Env is added to the server's environment (NAME=value), as a
	// Deployment's env would be.
	Env []string
}

// Oathkeeper is a running Ory Oathkeeper (`oathkeeper serve`).
type Oathkeeper struct {
	ProxyURL      string // http://127.0.0.1:PORT/ (trailing slash)
	APIURL        string // http://127.0.0.1:PORT/ (decisions, health, jwks)
	PrometheusURL string // http://127.0.0.1:PORT/
	ConfigPath    string // the final config file the server was started with
	RuleFiles     []string
	HTTPClient    *http.Client
	Process       *Process

	rewrites []string
}

// Rewrites lists the loopback rewrites applied to the caller's config.
func (o *Oathkeeper) Rewrites() []string { return append([]string(nil), o.rewrites...) }

// Stop stops the server (SIGTERM, then SIGKILL) and waits for it to exit.
func (o *Oathkeeper) Stop() { o.Process.Stop() }

// StartOathkeeper is TryStartOathkeeper that fails the test on error.
func StartOathkeeper(t testing.TB, opts OathkeeperOptions) *Oathkeeper {
	t.Helper()
	o, err := TryStartOathkeeper(t, opts)
	if err != nil {
		t.Fatalf("stack: starting oathkeeper: %v", err)
	}
	return o
}

// TryStartOathkeeper runs `oathkeeper serve --config F --sqa-opt-out` after these loopback
// rewrites of the caller's config (see Oathkeeper.Rewrites):
//
//	serve.proxy.host, serve.proxy.port           -> 127.0.0.1, random port
//	serve.api.host, serve.api.port               -> 127.0.0.1, random port
//	serve.prometheus.host, serve.prometheus.port -> 127.0.0.1, random port
//	access_rules.repositories                    -> file:// URLs of opts.Rules (only when given)
//
// The prometheus listener is always rewritten, because Oathkeeper opens it
// (default 0.0.0.0:9000) even when the config does not mention it, and two
// servers would clash. It waits until api /health/ready answers 200.
func TryStartOathkeeper(t testing.TB, opts OathkeeperOptions) (*Oathkeeper, error) {
	t.Helper()
	bin, err := BinaryPath(ToolOathkeeper)
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	proxy, api, prom := FreePort(t), FreePort(t), FreePort(t)
	o := &Oathkeeper{
		ProxyURL:      fmt.Sprintf("http://127.0.0.1:%d/", proxy),
		APIURL:        fmt.Sprintf("http://127.0.0.1:%d/", api),
		PrometheusURL: fmt.Sprintf("http://127.0.0.1:%d/", prom),
		HTTPClient:    httpClientFor(nil),
	}
	rw := newRewriter(opts.Config)
	rw.set("serve.proxy.host", "127.0.0.1")
	rw.set("serve.proxy.port", proxy)
	rw.set("serve.api.host", "127.0.0.1")
	rw.set("serve.api.port", api)
	rw.set("serve.prometheus.host", "127.0.0.1")
	rw.set("serve.prometheus.port", prom)
	if len(opts.Rules) > 0 {
		var repos []any
		for i, r := range opts.Rules {
			ext := ".yaml"
			if trimmed := bytes.TrimSpace(r); len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
				ext = ".json"
			}
			p := filepath.Join(dir, fmt.Sprintf("rules-%d%s", i, ext))
			writeFile(t, p, r, 0o644)
			o.RuleFiles = append(o.RuleFiles, p)
			repos = append(repos, "file://"+p)
		}
		rw.set("access_rules.repositories", repos)
	}
	o.rewrites = rw.strings()
	o.ConfigPath = rw.write(t, dir, "oathkeeper.yaml")

	p, err := startProcess(t, "oathkeeper", bin, []string{"serve", "--config", o.ConfigPath, "--sqa-opt-out"}, opts.Env)
	if err != nil {
		return nil, err
	}
	o.Process = p
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if err := p.waitReady(o.APIURL+"health/ready", o.HTTPClient, timeout); err != nil {
		return nil, err
	}
	return o, nil
}
