package stack

import (
	"cmp"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// KratosOptions configure StartKratos.
type KratosOptions struct {
	// Config is the caller's Kratos config. It is copied, never modified.
	Config map[string]any
	// Dev passes --dev to `kratos serve`.
	Dev bool
	// ReadyTimeout overrides the default of 60s.
	ReadyTimeout time.Duration
	// PublicBaseURL, when set, is serve.public.base_url instead of the
	// public listener's URL: a public host this machine cannot reach, as
	// in a cluster seen through port-forwards.
	PublicBaseURL string
	// Env is added to the server's environment, as a Deployment's env from
	// its Secret (SECRETS_COOKIE=new,old).
	Env []string
	// DataDir and the ports, when set, are reused: a second start with
	// the same ones is a restart on the same database.
	DataDir               string
	PublicPort, AdminPort int
}

// Kratos is a running Ory Kratos (`kratos serve`) on a migrated SQLite file.
type Kratos struct {
	PublicURL  string // http://127.0.0.1:PORT/ (trailing slash)
	AdminURL   string // http://127.0.0.1:PORT/
	ConfigPath string // the final config file the server was started with
	DSN        string
	HTTPClient *http.Client
	// DataDir and the ports: pass them back in KratosOptions to restart.
	DataDir               string
	PublicPort, AdminPort int
	Process               *Process

	rewrites []string
}

// Rewrites lists the loopback rewrites applied to the caller's config.
func (k *Kratos) Rewrites() []string { return append([]string(nil), k.rewrites...) }

// Stop stops the server (SIGTERM, then SIGKILL) and waits for it to exit.
func (k *Kratos) Stop() { k.Process.Stop() }

// StartKratos is TryStartKratos that fails the test on error.
func StartKratos(t testing.TB, opts KratosOptions) *Kratos {
	t.Helper()
	k, err := TryStartKratos(t, opts)
	if err != nil {
		t.Fatalf("stack: starting kratos: %v", err)
	}
	return k
}

// TryStartKratos runs `kratos migrate sql -e --yes --config F` and then
// `kratos serve --config F` (with --dev if opts.Dev), after these loopback
// rewrites of the caller's config (see Kratos.Rewrites):
//
//	serve.public.host, serve.public.port, serve.public.base_url -> 127.0.0.1, random port, http://127.0.0.1:PORT/
//	serve.admin.host, serve.admin.port, serve.admin.base_url   -> likewise
//	dsn -> sqlite:///TMP/kratos.sqlite?_fk=true&mode=rwc
//
// It waits until admin and public /health/ready answer 200. A failed
// migration, an early exit or a timeout returns an error containing the
// tail of the server's log.
func TryStartKratos(t testing.TB, opts KratosOptions) (*Kratos, error) {
	t.Helper()
	bin, err := BinaryPath(ToolKratos)
	if err != nil {
		return nil, err
	}
	dir, pub, adm := reuse(t, opts.DataDir, opts.PublicPort, opts.AdminPort)
	k := &Kratos{
		DataDir: dir, PublicPort: pub, AdminPort: adm,
		PublicURL:  fmt.Sprintf("http://127.0.0.1:%d/", pub),
		AdminURL:   fmt.Sprintf("http://127.0.0.1:%d/", adm),
		DSN:        "sqlite://" + filepath.Join(dir, "kratos.sqlite") + "?_fk=true&mode=rwc",
		HTTPClient: httpClientFor(nil),
	}
	rw := newRewriter(opts.Config)
	rw.set("serve.public.host", "127.0.0.1")
	rw.set("serve.public.port", pub)
	rw.set("serve.public.base_url", cmp.Or(opts.PublicBaseURL, k.PublicURL))
	rw.set("serve.admin.host", "127.0.0.1")
	rw.set("serve.admin.port", adm)
	rw.set("serve.admin.base_url", k.AdminURL)
	rw.set("dsn", k.DSN)
	k.rewrites = rw.strings()
	k.ConfigPath = rw.write(t, dir, "kratos.yaml")

	if _, err := runToCompletion(t, "kratos-migrate", bin,
		[]string{"migrate", "sql", "-e", "--yes", "--config", k.ConfigPath}, opts.Env, 3*time.Minute); err != nil {
		return nil, err
	}
	args := []string{"serve", "--config", k.ConfigPath, "--sqa-opt-out"}
	if opts.Dev {
		args = append(args, "--dev")
	}
	p, err := startProcess(t, "kratos", bin, args, opts.Env)
	if err != nil {
		return nil, err
	}
	k.Process = p
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	start := time.Now()
	if err := p.waitReady(k.AdminURL+"health/ready", k.HTTPClient, timeout); err != nil {
		return nil, err
	}
	if err := p.waitReady(k.PublicURL+"health/ready", k.HTTPClient, timeout-time.Since(start)); err != nil {
		return nil, err
	}
	return k, nil
}
