// Package kubeconfig logs kubectl in through the profile's OIDC issuer: the
// client-go exec credential plugin (get-token), its token cache, and the
// login flows (authorization code with PKCE, refresh token, client
// credentials).
//
// The package is on kubectl's hot path: kubectl runs the plugin before every
// request. It therefore imports nothing heavy (no cobra, client-go
// clientsets, helm or kustomize) and answers a cache hit without any network
// call. Kubeconfig file editing, which needs client-go's clientcmd, lives in
// the setup sub-package so that the plugin binary does not link it.
package kubeconfig

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Token storages. StorageNone keeps no token: every call refreshes
// nothing and logs in (or asks for a client credentials token) again.
const (
	StorageDisk    = "disk"
	StorageKeyring = "keyring"
	StorageNone    = "none"
)

// Log levels of --log-level: debug adds what get-token does, step by
// step, on stderr, with tokens, codes and secrets left out.
const (
	LogInfo  = "info"
	LogDebug = "debug"
)

// CallbackPath is the path of the loopback redirect URI. Hydra matches it
// exactly, so it is part of every registered redirect URI.
const CallbackPath = "/callback"

// RedirectURIs are the exact loopback redirect URIs for the ports get-token
// listens on. Hydra ignores the port only for IP-literal loopback hosts, so
// with 127.0.0.1 a fallback port still matches; with localhost every port
// must be registered.
func RedirectURIs(host string, ports []int) []string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		out = append(out, "http://"+host+":"+strconv.Itoa(p)+CallbackPath)
	}
	return out
}

// ClientSecretEnv holds the client secret, so that it never has to appear
// on a command line or in a kubeconfig.
const ClientSecretEnv = "AUTHCTL_CLIENT_SECRET"

// DefaultListen are the loopback addresses the authorization code flow
// tries in order. Not 8000: kubelogin's default clashes with dev servers.
var DefaultListen = []string{"127.0.0.1:18000", "127.0.0.1:18001"}

// Options are the inputs of get-token, login and logout.
type Options struct {
	// Token-affecting options: each one is part of the cache key.
	IssuerURL    string
	ClientID     string
	ClientSecret string
	Grant        string
	ExtraScopes  []string
	// Audiences are requested with the client credentials grant.
	Audiences []string
	// ClusterAudience names the cluster a person's token is for
	// (spec.kubernetes.clusters): the login is shared by every cluster of
	// the issuer and client, and each cluster's token is an id_token whose
	// cluster claim only that cluster's API server accepts.
	ClusterAudience string
	// AuthParams are extra authorization request parameters (prompt,
	// acr_values, …).
	AuthParams map[string]string
	// CAFiles are PEM files of CAs trusted for the issuer (all of them).
	CAFiles []string
	// CAData is a PEM bundle (kubeconfig-style base64 is accepted by the
	// flag; several flags are concatenated).
	CAData   []byte
	Insecure bool

	// Flow options: they change how a token is obtained, not which one.
	Listen       []string
	RedirectHost string
	// RedirectURL is the authcode-keyboard grant's redirect URI: the login
	// UI's page that shows the code (https://AUTH_HOST/kubectl/code).
	RedirectURL string
	// RedirectWithoutPath makes the redirect URI http://HOST:PORT, as
	// kubelogin registers it, instead of http://HOST:PORT/callback.
	RedirectWithoutPath bool
	BrowserCommand      string
	SkipOpenBrowser     bool
	// ForceRefresh ignores a cached token that is still valid: refresh it
	// (or log in again when there is no refresh token).
	ForceRefresh bool
	// LogLevel is info (default) or debug.
	LogLevel string

	// Cache options.
	CacheDir string
	Storage  string

	// BrowserLaunchLimit browser launches are allowed per cache key within
	// BrowserLaunchWindow; more fail with ErrAuthRequired.
	BrowserLaunchLimit  int
	BrowserLaunchWindow time.Duration
	// LockWaitNotice is how long a caller waits for another process's
	// login or refresh before saying so on stderr.
	LockWaitNotice time.Duration
	// LockTimeout bounds that wait; a caller that waited this long exits
	// with code 4 and names the process holding the lock.
	LockTimeout time.Duration
	// AuthenticationTimeout bounds a browser login, from discovery to the
	// code exchange (kubelogin's --authentication-timeout-sec, 180 s).
	AuthenticationTimeout time.Duration
}

// Debug reports --log-level debug.
func (o *Options) Debug() bool { return o.LogLevel == LogDebug }

// Default bounds of a get-token call.
const (
	DefaultAuthenticationTimeout = 180 * time.Second
	DefaultLockTimeout           = 10 * time.Second
)

// Defaults fills unset flow and cache options.
func (o *Options) Defaults() {
	if o.Grant == "" || o.Grant == "auto" {
		// kubelogin's default grant, auto, is the authorization code
		// grant when no password is given (and authctl takes none).
		o.Grant = GrantAuthCode
	}
	if o.LogLevel == "" {
		o.LogLevel = LogInfo
	}
	if len(o.Listen) == 0 {
		o.Listen = slices.Clone(DefaultListen)
	}
	if o.RedirectHost == "" {
		o.RedirectHost = "127.0.0.1"
	}
	if o.Storage == "" {
		o.Storage = StorageDisk
	}
	if o.BrowserLaunchLimit == 0 {
		o.BrowserLaunchLimit = 3
	}
	if o.BrowserLaunchWindow == 0 {
		o.BrowserLaunchWindow = 10 * time.Minute
	}
	if o.LockWaitNotice == 0 {
		o.LockWaitNotice = 3 * time.Second
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.AuthenticationTimeout == 0 {
		o.AuthenticationTimeout = DefaultAuthenticationTimeout
	}
	if o.ClientSecret == "" {
		o.ClientSecret = os.Getenv(ClientSecretEnv)
	}
}

// Validate checks the options after Defaults.
func (o *Options) Validate() error {
	if o.IssuerURL == "" {
		return errors.New("--issuer-url is required")
	}
	// Not net/url: it pulls net/netip into the cache-hit path. The
	// discovery request on a miss validates the URL fully.
	rest, ok := strings.CutPrefix(o.IssuerURL, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(o.IssuerURL, "http://")
	}
	if !ok || rest == "" || rest[0] == '/' {
		return fmt.Errorf("--issuer-url %q is not an http(s) URL", o.IssuerURL)
	}
	if o.ClientID == "" {
		return errors.New("--client-id is required")
	}
	if err := o.ValidateGrant(); err != nil {
		return err
	}
	if o.Grant == GrantClientCredentials && o.ClientSecret == "" {
		return fmt.Errorf("--grant-type %s needs a client secret: set %s", GrantClientCredentials, ClientSecretEnv)
	}
	if o.Grant == GrantAuthCodeKeyboard {
		if o.RedirectURL == "" {
			return fmt.Errorf("--grant-type %s needs --redirect-url: the login UI's code page, such as https://auth.example.com/kubectl/code (authctl kubeconfig setup -f PROFILE writes it)", GrantAuthCodeKeyboard)
		}
		rest, ok := strings.CutPrefix(o.RedirectURL, "https://")
		if !ok {
			rest, ok = strings.CutPrefix(o.RedirectURL, "http://")
		}
		if !ok || rest == "" || rest[0] == '/' {
			return fmt.Errorf("--redirect-url %q is not an http(s) URL", o.RedirectURL)
		}
	}
	if o.ClusterAudience != "" {
		if !o.PersonGrant() {
			return fmt.Errorf("--cluster-audience is for a person's login (--grant-type %s or %s); client credentials name theirs with --audience", GrantAuthCode, GrantAuthCodeKeyboard)
		}
		if !ClusterName(o.ClusterAudience) {
			return fmt.Errorf("--cluster-audience %q is not a cluster name (lower-case letters, digits and '-', at most 63)", o.ClusterAudience)
		}
	}
	if o.Grant != GrantAuthCodeKeyboard && o.RedirectURL != "" {
		return fmt.Errorf("--redirect-url is only for --grant-type %s (%s redirects to a loopback address: see --listen)", GrantAuthCodeKeyboard, o.Grant)
	}
	switch o.LogLevel {
	case LogInfo, LogDebug:
	default:
		return fmt.Errorf("unknown --log-level %q (allowed: %s, %s)", o.LogLevel, LogInfo, LogDebug)
	}
	if o.AuthenticationTimeout < 0 {
		return fmt.Errorf("--authentication-timeout-sec must be positive")
	}
	if o.LockTimeout < 0 {
		return fmt.Errorf("--lock-timeout must be positive")
	}
	switch o.Storage {
	case StorageDisk, StorageKeyring, StorageNone:
	default:
		return fmt.Errorf("unknown --token-cache-storage %q (allowed: %s, %s, %s)", o.Storage, StorageDisk, StorageKeyring, StorageNone)
	}
	for _, l := range o.Listen {
		host, _, err := splitHostPort(l)
		if err != nil {
			return fmt.Errorf("--listen %q: %w", l, err)
		}
		if host != "127.0.0.1" && host != "::1" && host != "localhost" {
			return fmt.Errorf("--listen %q: only loopback addresses are allowed", l)
		}
	}
	return nil
}

func splitHostPort(addr string) (string, string, error) {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return "", "", errors.New("expected HOST:PORT")
	}
	return strings.Trim(addr[:i], "[]"), addr[i+1:], nil
}

// Scopes returns openid, then the extra scopes, without duplicates.
func (o *Options) Scopes() []string {
	out := []string{"openid"}
	for _, s := range o.ExtraScopes {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// CanonicalKey returns the canonical encoding the cache key hashes: one
// JSON object of every token-affecting option. Lists that are sets are
// sorted and de-duplicated, maps are written in key order, and the secret
// and CA data are hashed, so the key does not depend on flag order, map
// iteration order or Go's encoders (kubelogin #1638 hashed a gob of maps,
// whose order is random). It is written by hand for the cache-hit path
// (jsonlite.go); the bytes are encoding/json's of cacheKeyV1 (version 1 of
// the key, in the tests), so existing caches keep their names.
func (o *Options) CanonicalKey() []byte {
	grant := o.Grant
	if grant == "" {
		grant = GrantAuthCode
	}
	b := make([]byte, 0, 256)
	b = append(b, `{"v":1,"iss":`...)
	b = appendJSONString(b, strings.TrimSuffix(o.IssuerURL, "/"))
	b = append(b, `,"client_id":`...)
	b = appendJSONString(b, o.ClientID)
	if o.ClientSecret != "" {
		b = append(b, `,"client_secret_sha256":`...)
		b = appendJSONString(b, sha256Hex([]byte(o.ClientSecret)))
	}
	b = append(b, `,"grant":`...)
	b = appendJSONString(b, grant)
	b = append(b, `,"scopes":`...)
	b = appendJSONStrings(b, SortedSet(o.Scopes()))
	if aud := SortedSet(o.Audiences); len(aud) > 0 {
		b = append(b, `,"aud":`...)
		b = appendJSONStrings(b, aud)
	}
	if len(o.AuthParams) > 0 {
		b = append(b, `,"auth_params":{`...)
		keys := make([]string, 0, len(o.AuthParams))
		for k := range o.AuthParams {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, o.AuthParams[k])
		}
		b = append(b, '}')
	}
	// One file keeps the key it had before several were allowed.
	var files []string
	for _, f := range o.CAFiles {
		if abs, err := filepath.Abs(f); err == nil {
			f = abs
		}
		files = append(files, f)
	}
	if files = SortedSet(files); len(files) == 1 {
		b = append(b, `,"ca_file":`...)
		b = appendJSONString(b, files[0])
	} else if len(files) > 1 {
		b = append(b, `,"ca_files":`...)
		b = appendJSONStrings(b, files)
	}
	if len(o.CAData) > 0 {
		b = append(b, `,"ca_data_sha256":`...)
		b = appendJSONString(b, sha256Hex(o.CAData))
	}
	if o.Insecure {
		b = append(b, `,"insecure":true`...)
	}
	if o.ClusterAudience != "" {
		// Last, so that the login shared by the clusters (the same options
		// without it) keeps the key it has without clusters.
		b = append(b, `,"cluster":`...)
		b = appendJSONString(b, o.ClusterAudience)
	}
	return append(b, '}')
}

// CacheKey is the hex SHA-256 of CanonicalKey: the cache file's name.
func (o *Options) CacheKey() string { return sha256Hex(o.CanonicalKey()) }

func sha256Hex(b []byte) string {
	s := sum256(b)
	return hex.EncodeToString(s[:])
}

// SortedSet returns the non-empty strings of in, de-duplicated and sorted.
func SortedSet(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// LoginCommand is the `authctl login` command line that obtains the same
// token interactively, for hints.
func (o *Options) LoginCommand() string {
	args := []string{"authctl", "login", "--issuer-url=" + o.IssuerURL, "--client-id=" + o.ClientID}
	if o.Grant != "" && o.Grant != GrantAuthCode {
		args = append(args, "--grant-type="+o.Grant)
	}
	if o.RedirectURL != "" {
		args = append(args, "--redirect-url="+o.RedirectURL)
	}
	if o.ClusterAudience != "" {
		args = append(args, "--cluster-audience="+o.ClusterAudience)
	}
	for _, s := range o.ExtraScopes {
		args = append(args, "--scope="+s)
	}
	for _, a := range SortedSet(o.Audiences) {
		args = append(args, "--audience="+a)
	}
	keys := make([]string, 0, len(o.AuthParams))
	for k := range o.AuthParams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--auth-param="+k+"="+o.AuthParams[k])
	}
	for _, f := range o.CAFiles {
		args = append(args, "--certificate-authority="+f)
	}
	if len(o.CAData) > 0 {
		args = append(args, "--certificate-authority-data=…")
	}
	if o.Insecure {
		args = append(args, "--insecure-skip-tls-verify")
	}
	if o.CacheDir != "" {
		args = append(args, "--token-cache-dir="+o.CacheDir)
	}
	return strings.Join(args, " ")
}
