package kubeconfig

import (
	"strconv"
	"time"
)

// parseFastFlags parses get-token's arguments for the cache-hit path as
// flag.FlagSet.Parse does with BindFlags's flags, without building the
// flag set: registering some forty flags (a Flag and a map entry each,
// usage strings formatted) cost more in a fresh process than the rest of
// the hit. It reports false for anything it does not take exactly as the
// flag package would: an unknown flag, -h, one of kubelogin's refused
// flags, a value the flag rejects, a missing value or any argument. The
// caller then hands the call to the full get-token, which parses with the
// flag package and reports it. TestFastFlagsParity and FuzzFastFlags
// compare the two over every flag.
func parseFastFlags(args []string) (*Options, bool) {
	// BindFlags's defaults.
	o := &Options{Grant: GrantAuthCode, RedirectHost: "127.0.0.1", Storage: StorageDisk, LogLevel: LogInfo,
		BrowserLaunchLimit: DefaultBrowserLaunchLimit, BrowserLaunchWindow: DefaultBrowserLaunchWindow, LockTimeout: DefaultLockTimeout}
	for i := 0; i < len(args); i++ {
		s := args[i]
		if len(s) < 2 || s[0] != '-' {
			return nil, false // an argument: get-token takes none
		}
		minuses := 1
		if s[1] == '-' {
			minuses++
			if len(s) == 2 { // "--" ends the flags; none may follow
				return o, i == len(args)-1
			}
		}
		name := s[minuses:]
		if name[0] == '-' || name[0] == '=' {
			return nil, false
		}
		value, hasValue := "", false
		for j := 1; j < len(name); j++ { // as flag: "=" cannot be first
			if name[j] == '=' {
				name, value, hasValue = name[:j], name[j+1:], true
				break
			}
		}
		v := fastFlag(o, name)
		if v == nil {
			return nil, false
		}
		if b, ok := v.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, false
			}
			i++
			value = args[i]
		}
		if v.Set(value) != nil {
			return nil, false
		}
	}
	return o, true
}

// setter is the part of flag.Value the parser needs.
type setter interface{ Set(string) error }

// fastFlag is BindFlags's flag called name, bound to o with the same
// value type, or nil for an unknown flag and for kubelogin's refused
// ones. TestFastFlagsNames checks its names are exactly BindFlags's.
func fastFlag(o *Options, name string) setter {
	switch name {
	case "issuer-url", "oidc-issuer-url":
		return (*stringValue)(&o.IssuerURL)
	case "client-id", "oidc-client-id":
		return (*stringValue)(&o.ClientID)
	case "client-secret", "oidc-client-secret":
		return (*stringValue)(&o.ClientSecret)
	case "grant-type":
		return (*stringValue)(&o.Grant)
	case "scope", "oidc-extra-scope":
		return (*listValue)(&o.ExtraScopes)
	case "audience":
		return (*listValue)(&o.Audiences)
	case "cluster-audience":
		return (*stringValue)(&o.ClusterAudience)
	case "auth-param":
		return (*mapValue)(&o.AuthParams)
	case "oidc-auth-request-extra-params":
		return (*pairsValue)(&o.AuthParams)
	case "certificate-authority":
		return (*arrayValue)(&o.CAFiles)
	case "certificate-authority-data":
		return (*caDataValue)(&o.CAData)
	case "insecure-skip-tls-verify":
		return (*boolValue)(&o.Insecure)
	case "listen", "listen-address":
		return (*listValue)(&o.Listen)
	case "listen-port":
		return (*portsValue)(&o.Listen)
	case "redirect-host", "oidc-redirect-url-hostname":
		return (*stringValue)(&o.RedirectHost)
	case "redirect-url", "oidc-redirect-url-authcode-keyboard":
		return (*stringValue)(&o.RedirectURL)
	case "redirect-without-path":
		return (*boolValue)(&o.RedirectWithoutPath)
	case "browser-command":
		return (*stringValue)(&o.BrowserCommand)
	case "skip-open-browser":
		return (*boolValue)(&o.SkipOpenBrowser)
	case "force-refresh":
		return (*boolValue)(&o.ForceRefresh)
	case "token-cache-dir":
		return (*stringValue)(&o.CacheDir)
	case "token-cache-storage":
		return (*stringValue)(&o.Storage)
	case "browser-launch-limit":
		return (*intValue)(&o.BrowserLaunchLimit)
	case "browser-launch-window":
		return (*durationValue)(&o.BrowserLaunchWindow)
	case "authentication-timeout-sec":
		return (*secondsValue)(&o.AuthenticationTimeout)
	case "lock-timeout":
		return (*durationValue)(&o.LockTimeout)
	case "log-level":
		return (*stringValue)(&o.LogLevel)
	case "v":
		return (*verbosityValue)(&o.LogLevel)
	case "oidc-use-pkce":
		return ignoredBool{}
	}
	return nil
}

// The flag package's basic values, whose types it does not export; Set
// parses as theirs do.
type (
	stringValue   string
	boolValue     bool
	intValue      int
	durationValue time.Duration
)

func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }

func (b *boolValue) IsBoolFlag() bool { return true }
func (b *boolValue) Set(v string) error {
	x, err := strconv.ParseBool(v)
	*b = boolValue(x)
	return err
}

func (i *intValue) Set(v string) error {
	x, err := strconv.ParseInt(v, 0, strconv.IntSize)
	*i = intValue(x)
	return err
}

func (d *durationValue) Set(v string) error {
	x, err := time.ParseDuration(v)
	*d = durationValue(x)
	return err
}
