// Package ory bootstraps identities (Ory Kratos) and OAuth2 clients (Ory
// Hydra) through their admin APIs: a plan that compares the input files
// with the servers' state, and an apply that converges them. Reruns are
// idempotent; interrupted runs converge on the next run.
//
// The package is a library: it takes plain values, an *http.Client and
// writers, and reports progress through progress.Reporter.
package ory

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/authctl/authctl/pkg/capool"
	orysdk "github.com/ory/client-go"
)

// ConnOptions are the connection settings shared by both admin APIs.
type ConnOptions struct {
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string
	// InsecureSkipTLSVerify disables certificate verification. Off by default.
	InsecureSkipTLSVerify bool
	// Headers are added to every request, e.g. for a fronting proxy.
	Headers map[string]string
	// RequestTimeout bounds one HTTP request (a 2000-identity batch with
	// bcrypt hashes takes a few seconds on SQLite).
	RequestTimeout time.Duration
	// Concurrency sizes the connection pool.
	Concurrency int
}

// NewHTTPClient builds the HTTP client for the admin APIs: TLS verification
// on unless explicitly disabled, an optional extra CA bundle, the request
// timeout and a connection pool sized for the concurrency.
func NewHTTPClient(o ConnOptions) (*http.Client, error) {
	flags := capool.Flags{FilesFlag: "CA bundle", Insecure: o.InsecureSkipTLSVerify}
	if o.CAFile != "" {
		flags.Files = []string{o.CAFile}
	}
	tc, err := flags.TLSConfig()
	if err != nil {
		return nil, err
	}
	conns := max(o.Concurrency, 1) * 2
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tc,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	timeout := o.RequestTimeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

// newAPIClient returns an Ory SDK client for one admin base URL.
func newAPIClient(baseURL string, hc *http.Client, headers map[string]string) *orysdk.APIClient {
	cfg := orysdk.NewConfiguration()
	cfg.Servers = orysdk.ServerConfigurations{{URL: strings.TrimRight(baseURL, "/")}}
	cfg.OperationServers = nil
	cfg.HTTPClient = hc
	cfg.UserAgent = "authctl"
	for k, v := range headers {
		cfg.AddDefaultHeader(k, v)
	}
	return orysdk.NewAPIClient(cfg)
}
