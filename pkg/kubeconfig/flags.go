package kubeconfig

import (
	"encoding/base64"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Defaults of --browser-launch-limit and --browser-launch-window.
const (
	DefaultBrowserLaunchLimit  = 3
	DefaultBrowserLaunchWindow = 10 * time.Minute
)

// BindFlags registers the options on a standard library flag set. The lean
// plugin binary parses them directly; the authctl command adds the same set
// to its cobra command, so both spell every flag the same way.
func BindFlags(fs *flag.FlagSet, o *Options) {
	fs.StringVar(&o.IssuerURL, "issuer-url", o.IssuerURL, "OIDC issuer URL")
	fs.StringVar(&o.ClientID, "client-id", o.ClientID, "OAuth2 client id")
	fs.StringVar(&o.ClientSecret, "client-secret", o.ClientSecret, "OAuth2 client secret (prefer the "+ClientSecretEnv+" environment variable)")
	fs.StringVar(&o.Grant, "grant-type", GrantAuthCode, "grant: authcode (browser, PKCE) or client-credentials (CI)")
	fs.Var((*listValue)(&o.ExtraScopes), "scope", "extra scope to request (repeatable, comma-separated allowed)")
	fs.Var((*listValue)(&o.Audiences), "audience", "audience to request with client-credentials (repeatable)")
	fs.Var((*mapValue)(&o.AuthParams), "auth-param", "extra authorization request parameter KEY=VALUE (repeatable)")
	fs.StringVar(&o.CAFile, "certificate-authority", o.CAFile, "PEM file of CAs trusted for the issuer")
	fs.Var((*caDataValue)(&o.CAData), "certificate-authority-data", "base64 or PEM CAs trusted for the issuer")
	fs.BoolVar(&o.Insecure, "insecure-skip-tls-verify", o.Insecure, "do not verify the issuer's TLS certificate (unsafe; tests only)")
	fs.Var((*listValue)(&o.Listen), "listen", "loopback HOST:PORT for the redirect, tried in order (repeatable; default "+strings.Join(DefaultListen, ",")+")")
	fs.StringVar(&o.RedirectHost, "redirect-host", "127.0.0.1", "host in the redirect URI; must match the client's registered redirect URIs")
	fs.StringVar(&o.BrowserCommand, "browser-command", o.BrowserCommand, "command that opens the login URL (its output goes to stderr)")
	fs.BoolVar(&o.SkipOpenBrowser, "skip-open-browser", o.SkipOpenBrowser, "print the login URL on stderr instead of opening a browser")
	fs.StringVar(&o.CacheDir, "token-cache-dir", o.CacheDir, "token cache directory (default: $XDG_CACHE_HOME/authctl/tokens)")
	fs.StringVar(&o.Storage, "token-cache-storage", StorageDisk, "where tokens are kept: disk or keyring (falls back to disk when a token is too big)")
	fs.IntVar(&o.BrowserLaunchLimit, "browser-launch-limit", DefaultBrowserLaunchLimit, "browser launches allowed per login within --browser-launch-window")
	fs.DurationVar(&o.BrowserLaunchWindow, "browser-launch-window", DefaultBrowserLaunchWindow, "window of --browser-launch-limit")
	fs.Var((*secondsValue)(&o.AuthenticationTimeout), "authentication-timeout-sec", fmt.Sprintf("give up a browser login after this many seconds (default %d, as kubelogin)", int(DefaultAuthenticationTimeout.Seconds())))
	fs.DurationVar(&o.LockTimeout, "lock-timeout", DefaultLockTimeout, "give up waiting for another authctl process's login or refresh after this long, with exit code 4")
}

// secondsValue is a duration flag given in whole seconds.
type secondsValue time.Duration

func (s *secondsValue) String() string {
	if *s == 0 {
		return ""
	}
	return strconv.Itoa(int(time.Duration(*s).Seconds()))
}

func (s *secondsValue) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("expected a positive number of seconds, got %q", v)
	}
	*s = secondsValue(time.Duration(n) * time.Second)
	return nil
}

// listValue is a repeatable, comma-splitting string list flag.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }
func (l *listValue) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// mapValue is a repeatable KEY=VALUE flag.
type mapValue map[string]string

func (m *mapValue) String() string {
	keys := make([]string, 0, len(*m))
	for k := range *m {
		keys = append(keys, k+"="+(*m)[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (m *mapValue) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("expected KEY=VALUE, got %q", v)
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = val
	return nil
}

// caDataValue accepts PEM or base64-encoded PEM, like a kubeconfig.
type caDataValue []byte

func (c *caDataValue) String() string { return "" }
func (c *caDataValue) Set(v string) error {
	if strings.Contains(v, "-----BEGIN") {
		*c = []byte(v)
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("neither PEM nor base64: %w", err)
	}
	*c = b
	return nil
}
