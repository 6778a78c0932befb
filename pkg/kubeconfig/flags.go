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
// to its cobra command, so both spell every flag the same way. kubelogin's
// get-token flags are bound too (KubeloginFlags), so a kubeconfig written
// for kubelogin runs unchanged with authctl-get-token.
func BindFlags(fs *flag.FlagSet, o *Options) {
	fs.StringVar(&o.IssuerURL, "issuer-url", o.IssuerURL, "OIDC issuer URL")
	fs.StringVar(&o.ClientID, "client-id", o.ClientID, "OAuth2 client id")
	fs.StringVar(&o.ClientSecret, "client-secret", o.ClientSecret, "OAuth2 client secret (prefer the "+ClientSecretEnv+" environment variable)")
	fs.StringVar(&o.Grant, "grant-type", GrantAuthCode, "grant: authcode (browser, PKCE), authcode-keyboard (browser elsewhere: paste the code the login page shows) or client-credentials (CI)")
	fs.Var((*listValue)(&o.ExtraScopes), "scope", "extra scope to request (repeatable, comma-separated allowed)")
	fs.Var((*listValue)(&o.Audiences), "audience", "audience to request with client-credentials (repeatable)")
	fs.StringVar(&o.ClusterAudience, "cluster-audience", o.ClusterAudience, "cluster the token is for (spec.kubernetes.clusters): one login serves every cluster, each gets a token only its API server accepts")
	fs.Var((*mapValue)(&o.AuthParams), "auth-param", "extra authorization request parameter KEY=VALUE (repeatable)")
	fs.Var((*arrayValue)(&o.CAFiles), "certificate-authority", "PEM file of CAs trusted for the issuer (repeatable; all are trusted)")
	fs.Var((*caDataValue)(&o.CAData), "certificate-authority-data", "base64 or PEM CAs trusted for the issuer (repeatable)")
	fs.BoolVar(&o.Insecure, "insecure-skip-tls-verify", o.Insecure, "do not verify the issuer's TLS certificate (unsafe; tests only)")
	fs.Var((*listValue)(&o.Listen), "listen", "loopback HOST:PORT for the redirect, tried in order (repeatable; default "+strings.Join(DefaultListen, ",")+")")
	fs.StringVar(&o.RedirectHost, "redirect-host", "127.0.0.1", "host in the redirect URI; must match the client's registered redirect URIs")
	fs.StringVar(&o.RedirectURL, "redirect-url", o.RedirectURL, "redirect URI of --grant-type authcode-keyboard: the login UI's code page (https://AUTH_HOST/kubectl/code)")
	fs.BoolVar(&o.RedirectWithoutPath, "redirect-without-path", o.RedirectWithoutPath, "redirect URI http://HOST:PORT without "+CallbackPath+" (as kubelogin registers it)")
	fs.StringVar(&o.BrowserCommand, "browser-command", o.BrowserCommand, "command that opens the login URL (its output goes to stderr)")
	fs.BoolVar(&o.SkipOpenBrowser, "skip-open-browser", o.SkipOpenBrowser, "print the login URL on stderr instead of opening a browser")
	fs.BoolVar(&o.ForceRefresh, "force-refresh", o.ForceRefresh, "refresh the token even when the cached one is still valid (log in when there is no refresh token)")
	fs.StringVar(&o.CacheDir, "token-cache-dir", o.CacheDir, "token cache directory, yours and not writable by others (default: $XDG_CACHE_HOME/authctl/tokens)")
	fs.StringVar(&o.Storage, "token-cache-storage", StorageDisk, "where tokens are kept: disk, keyring (falls back to disk when the keyring is unavailable or a token too big) or none")
	fs.IntVar(&o.BrowserLaunchLimit, "browser-launch-limit", DefaultBrowserLaunchLimit, "browser launches allowed per login within --browser-launch-window")
	fs.DurationVar(&o.BrowserLaunchWindow, "browser-launch-window", DefaultBrowserLaunchWindow, "window of --browser-launch-limit")
	fs.Var((*secondsValue)(&o.AuthenticationTimeout), "authentication-timeout-sec", fmt.Sprintf("give up a browser login after this many seconds (default %d, as kubelogin)", int(DefaultAuthenticationTimeout.Seconds())))
	fs.DurationVar(&o.LockTimeout, "lock-timeout", DefaultLockTimeout, "give up waiting for another authctl process's login or refresh after this long, with exit code 4")
	fs.StringVar(&o.LogLevel, "log-level", LogInfo, "info, or debug: each step on stderr (tokens, codes and secrets left out)")
	fs.Var((*verbosityValue)(&o.LogLevel), "v", "same as --log-level debug (-v, or kubelogin's -v=N with N ≥ 1)")
	bindKubeloginFlags(fs, o)
}

// KubeloginFlag is one of kubelogin's get-token flags and what authctl
// does with it.
type KubeloginFlag struct {
	Name string
	// Authctl is the authctl flag it is mapped to, "" when it is refused.
	Authctl string
	// Note says why a flag is refused or ignored.
	Note string
}

// KubeloginFlags are kubelogin v1.31.0's get-token flags (pkg/cmd) that
// authctl's own names do not already cover. They are bound by BindFlags
// and hidden from help; a refused flag fails with Note.
var KubeloginFlags = []KubeloginFlag{
	{Name: "oidc-issuer-url", Authctl: "issuer-url"},
	{Name: "oidc-client-id", Authctl: "client-id"},
	{Name: "oidc-client-secret", Authctl: "client-secret"},
	{Name: "oidc-extra-scope", Authctl: "scope"},
	{Name: "oidc-auth-request-extra-params", Authctl: "auth-param"},
	{Name: "listen-address", Authctl: "listen"},
	{Name: "listen-port", Authctl: "listen", Note: "kubelogin's deprecated port list: 127.0.0.1:PORT"},
	{Name: "oidc-redirect-url-hostname", Authctl: "redirect-host"},
	{Name: "oidc-use-pkce", Note: "ignored: authctl always uses PKCE (S256)"},
	{Name: "oidc-use-access-token", Note: "not supported: kubectl gets the id_token (client credentials: the access token)"},
	{Name: "open-url-after-authentication", Note: "not supported: the callback page shows the result of the login"},
	{Name: "local-server-cert", Note: "not supported: the loopback redirect is plain HTTP on a loopback address"},
	{Name: "local-server-key", Note: "not supported: the loopback redirect is plain HTTP on a loopback address"},
	{Name: "oidc-redirect-url-authcode-keyboard", Authctl: "redirect-url"},
	{Name: "username", Note: "not supported: authctl has no password grant"},
	{Name: "password", Note: "not supported: authctl has no password grant"},
	{Name: "tls-renegotiation-once", Note: "not supported: TLS renegotiation stays off"},
	{Name: "tls-renegotiation-freely", Note: "not supported: TLS renegotiation stays off"},
}

func bindKubeloginFlags(fs *flag.FlagSet, o *Options) {
	for _, k := range KubeloginFlags {
		usage := "kubelogin's name for --" + k.Authctl
		switch k.Name {
		case "oidc-issuer-url":
			fs.StringVar(&o.IssuerURL, k.Name, o.IssuerURL, usage)
		case "oidc-client-id":
			fs.StringVar(&o.ClientID, k.Name, o.ClientID, usage)
		case "oidc-client-secret":
			fs.StringVar(&o.ClientSecret, k.Name, o.ClientSecret, usage)
		case "oidc-extra-scope":
			fs.Var((*listValue)(&o.ExtraScopes), k.Name, usage)
		case "oidc-auth-request-extra-params":
			fs.Var((*pairsValue)(&o.AuthParams), k.Name, usage)
		case "listen-address":
			fs.Var((*listValue)(&o.Listen), k.Name, usage)
		case "listen-port":
			fs.Var((*portsValue)(&o.Listen), k.Name, usage)
		case "oidc-redirect-url-hostname":
			fs.StringVar(&o.RedirectHost, k.Name, o.RedirectHost, usage)
		case "oidc-redirect-url-authcode-keyboard":
			fs.StringVar(&o.RedirectURL, k.Name, o.RedirectURL, usage)
		case "oidc-use-pkce":
			fs.Var(ignoredBool{}, k.Name, k.Note)
		default:
			fs.Var(refused{name: k.Name, note: k.Note}, k.Name, k.Note)
		}
	}
}

// KlogVerbosity spells kubelogin's (klog's) -vN and -v N as -v=N: Go's
// flag package and pflag read authctl's -v as a switch, so -v1 would be
// an unknown flag (or shorthand) and -v 1 a stray argument. get-token
// takes no arguments, so a number after -v is always its level.
func KlogVerbosity(args []string) []string {
	digits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if n, ok := strings.CutPrefix(a, "-v"); ok && digits(n) {
			a = "-v=" + n
		} else if (a == "-v" || a == "--v") && i+1 < len(args) && digits(args[i+1]) {
			a = "-v=" + args[i+1]
			i++
		}
		out = append(out, a)
	}
	return out
}

// verbosityValue is -v: bare, or kubelogin's (klog's) -v=N.
type verbosityValue string

func (v *verbosityValue) String() string   { return "" }
func (v *verbosityValue) IsBoolFlag() bool { return true }
func (v *verbosityValue) Set(s string) error {
	switch s {
	case "true":
		*v = LogDebug
		return nil
	case "false", "0":
		*v = LogInfo
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("expected -v or -v=N, got %q", s)
	}
	*v = LogDebug
	return nil
}

// ignoredBool accepts a kubelogin boolean flag that changes nothing.
type ignoredBool struct{}

func (ignoredBool) String() string   { return "" }
func (ignoredBool) IsBoolFlag() bool { return true }
func (ignoredBool) Set(string) error { return nil }

// kubeloginBools are kubelogin's boolean flags among the refused ones.
var kubeloginBools = map[string]bool{"oidc-use-access-token": true, "tls-renegotiation-once": true, "tls-renegotiation-freely": true}

// refused fails with the reason a kubelogin flag has no authctl meaning.
type refused struct{ name, note string }

func (refused) String() string     { return "" }
func (r refused) IsBoolFlag() bool { return kubeloginBools[r.name] }
func (r refused) Set(string) error {
	return fmt.Errorf("kubelogin's --%s is %s", r.name, r.note)
}

// arrayValue is a repeatable string flag that does not split on commas
// (file names may hold them).
type arrayValue []string

func (a *arrayValue) String() string     { return strings.Join(*a, ",") }
func (a *arrayValue) Set(v string) error { *a = append(*a, v); return nil }

// portsValue is kubelogin's --listen-port: ports on 127.0.0.1.
type portsValue []string

func (p *portsValue) String() string { return strings.Join(*p, ",") }
func (p *portsValue) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("expected a port, got %q", s)
		}
		*p = append(*p, "127.0.0.1:"+strconv.Itoa(n))
	}
	return nil
}

// pairsValue is kubelogin's KEY=VALUE[,KEY=VALUE] map flag.
type pairsValue map[string]string

func (m *pairsValue) String() string { return (*mapValue)(m).String() }
func (m *pairsValue) Set(v string) error {
	for _, kv := range strings.Split(v, ",") {
		if err := (*mapValue)(m).Set(kv); err != nil {
			return err
		}
	}
	return nil
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
		*c = appendPEM(*c, []byte(v))
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("neither PEM nor base64: %w", err)
	}
	*c = appendPEM(*c, b)
	return nil
}

// appendPEM joins PEM bundles of repeated flags; one flag keeps its bytes
// (and so the cache key it had).
func appendPEM(have, more []byte) []byte {
	if len(have) == 0 {
		return more
	}
	if have[len(have)-1] != '\n' {
		have = append(have, '\n')
	}
	return append(have, more...)
}
