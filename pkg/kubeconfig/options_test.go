package kubeconfig

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCacheKeyStable(t *testing.T) {
	base := func() *Options {
		return &Options{
			IssuerURL: "https://oauth.example.com/", ClientID: "kubectl",
			ExtraScopes: []string{"email", "groups", "offline_access"},
			AuthParams:  map[string]string{"prompt": "login", "acr_values": "aal2", "ui_locales": "de"},
			CAData:      []byte("pem"),
		}
	}
	want := base().CacheKey()
	same := map[string]func(o *Options){
		"map inserted in another order": func(o *Options) {
			o.AuthParams = map[string]string{}
			for _, k := range []string{"ui_locales", "acr_values", "prompt"} {
				o.AuthParams[k] = base().AuthParams[k]
			}
		},
		"scopes reordered":                   func(o *Options) { o.ExtraScopes = []string{"offline_access", "groups", "email"} },
		"scopes duplicated":                  func(o *Options) { o.ExtraScopes = append(o.ExtraScopes, "email", "openid") },
		"issuer without trailing slash":      func(o *Options) { o.IssuerURL = "https://oauth.example.com" },
		"flow options do not change tokens":  func(o *Options) { o.Listen = []string{"127.0.0.1:1"}; o.BrowserCommand = "x"; o.SkipOpenBrowser = true },
		"cache location is not part of it":   func(o *Options) { o.CacheDir = "/elsewhere"; o.Storage = StorageKeyring },
		"grant default is explicit authcode": func(o *Options) { o.Grant = GrantAuthCode },
	}
	for name, mut := range same {
		t.Run(name, func(t *testing.T) {
			o := base()
			mut(o)
			if got := o.CacheKey(); got != want {
				t.Fatalf("key changed: %s\n%s", got, o.CanonicalKey())
			}
		})
	}
	differ := map[string]func(o *Options){
		"issuer":     func(o *Options) { o.IssuerURL = "https://other.example.com/" },
		"client":     func(o *Options) { o.ClientID = "kubectl2" },
		"secret":     func(o *Options) { o.ClientSecret = "s" },
		"scope":      func(o *Options) { o.ExtraScopes = append(o.ExtraScopes, "profile") },
		"auth param": func(o *Options) { o.AuthParams["prompt"] = "consent" },
		"ca data":    func(o *Options) { o.CAData = []byte("other") },
		"ca file":    func(o *Options) { o.CAFiles = []string{"ca.pem"} },
		"ca files":   func(o *Options) { o.CAFiles = []string{"ca.pem", "other.pem"} },
		"insecure":   func(o *Options) { o.Insecure = true },
		"grant":      func(o *Options) { o.Grant = GrantClientCredentials },
		"audience":   func(o *Options) { o.Audiences = []string{"kubectl"} },
	}
	for name, mut := range differ {
		t.Run("differs by "+name, func(t *testing.T) {
			o := base()
			mut(o)
			if o.CacheKey() == want {
				t.Fatalf("%s does not change the key", name)
			}
		})
	}
	// Map iteration order is random per run: hash many fresh maps.
	for i := 0; i < 200; i++ {
		if got := base().CacheKey(); got != want {
			t.Fatalf("iteration %d: key %s != %s", i, got, want)
		}
	}
	if bytes.Contains(base().CanonicalKey(), []byte("pem")) {
		t.Fatal("the canonical key holds the CA data instead of its hash")
	}
	o := base()
	o.ClientSecret = "hunter2"
	if bytes.Contains(o.CanonicalKey(), []byte("hunter2")) {
		t.Fatal("the canonical key holds the client secret")
	}
}

func TestFlagsParse(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o := &Options{}
	BindFlags(fs, o)
	err := fs.Parse([]string{"--issuer-url=https://i/", "--client-id=k", "--scope=email,groups", "--scope", "offline_access",
		"--auth-param", "prompt=login", "--listen=127.0.0.1:1", "--listen=127.0.0.1:2", "--certificate-authority-data=" + "LS0tLS1CRUdJTg==", "--skip-open-browser"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.ExtraScopes, " ") != "email groups offline_access" || o.AuthParams["prompt"] != "login" ||
		len(o.Listen) != 2 || string(o.CAData) != "-----BEGIN" || !o.SkipOpenBrowser {
		t.Fatalf("parsed %+v", o)
	}
	o = &Options{}
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	BindFlags(fs, o)
	if err := fs.Parse([]string{"--authentication-timeout-sec=7", "--lock-timeout=2s"}); err != nil {
		t.Fatal(err)
	}
	if o.AuthenticationTimeout != 7*time.Second || o.LockTimeout != 2*time.Second {
		t.Fatalf("timeouts %s %s", o.AuthenticationTimeout, o.LockTimeout)
	}
	o.Defaults()
	if o.AuthenticationTimeout != 7*time.Second {
		t.Fatal("defaults overwrote the flag")
	}
	o = &Options{}
	o.Defaults()
	if o.AuthenticationTimeout != 180*time.Second || o.LockTimeout <= 0 {
		t.Fatalf("defaults: %s %s, want 180s (kubelogin's) and a bounded lock wait", o.AuthenticationTimeout, o.LockTimeout)
	}
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	BindFlags(fs, &Options{})
	if err := fs.Parse([]string{"--authentication-timeout-sec=0"}); err == nil {
		t.Fatal("a zero authentication timeout was accepted")
	}
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		o    Options
		want string
	}{
		"no issuer":         {Options{ClientID: "k"}, "--issuer-url is required"},
		"bad issuer":        {Options{IssuerURL: "ftp://x", ClientID: "k"}, "not an http(s) URL"},
		"no client":         {Options{IssuerURL: "https://i/"}, "--client-id is required"},
		"cc without secret": {Options{IssuerURL: "https://i/", ClientID: "k", Grant: GrantClientCredentials}, "AUTHCTL_CLIENT_SECRET"},
		"non-loopback":      {Options{IssuerURL: "https://i/", ClientID: "k", Listen: []string{"0.0.0.0:1"}}, "only loopback"},
		"unknown storage":   {Options{IssuerURL: "https://i/", ClientID: "k", Storage: "s3"}, "token-cache-storage"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(ClientSecretEnv, "")
			tc.o.Defaults()
			err := tc.o.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCacheFilesAndFastPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	c := Cache{Dir: dir}
	o := &Options{IssuerURL: "https://i/", ClientID: "k", CacheDir: dir}
	o.Defaults()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	args := []string{"--issuer-url=https://i/", "--client-id=k", "--token-cache-dir=" + dir}
	getenv := func(k string) string {
		if k == ExecInfoEnv {
			return `{"apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}`
		}
		return ""
	}
	var out bytes.Buffer
	if FastPath(args, getenv, &out, now) || out.Len() > 0 {
		t.Fatal("fast path answered without a cache entry")
	}
	if err := c.Save(o.CacheKey(), &TokenSet{Token: "tok", Expiry: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(c.Path(o.CacheKey(), ".json"))
	di, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("modes %v %v", fi.Mode().Perm(), di.Mode().Perm())
	}
	if !FastPath(args, getenv, &out, now) {
		t.Fatal("fast path missed a valid entry")
	}
	var ec map[string]any
	if err := json.Unmarshal(out.Bytes(), &ec); err != nil {
		t.Fatal(err)
	}
	st := ec["status"].(map[string]any)
	if ec["apiVersion"] != ExecAPIv1beta1 || st["token"] != "tok" || st["expirationTimestamp"] != "2026-01-01T01:00:00Z" {
		t.Fatalf("ExecCredential %s", out.String())
	}
	out.Reset()
	if FastPath(args, getenv, &out, now.Add(time.Hour-5*time.Second)) {
		t.Fatal("fast path handed out a token about to expire")
	}
	if FastPath(append(args, "--token-cache-storage=keyring"), getenv, &out, now) {
		t.Fatal("fast path answered for the keyring storage")
	}
	// A corrupt entry is a miss.
	if err := os.WriteFile(c.Path(o.CacheKey(), ".json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if FastPath(args, getenv, &out, now) {
		t.Fatal("fast path answered from a corrupt entry")
	}
}

func TestParseExecInfo(t *testing.T) {
	if ei, err := ParseExecInfo(""); ei != nil || err != nil {
		t.Fatal("empty exec info must be nil")
	}
	ei, err := ParseExecInfo(`{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`)
	if err != nil || ei.APIVersion != ExecAPIv1 || !ei.Spec.Interactive {
		t.Fatalf("%+v %v", ei, err)
	}
	if _, err := ParseExecInfo(`{"apiVersion":"client.authentication.k8s.io/v1alpha1"}`); err == nil {
		t.Fatal("v1alpha1 accepted")
	}
}

// kubelogin's get-token flags, as `kubectl oidc-login setup` writes them,
// parse into the same options as authctl's names; flags authctl cannot
// honour fail with the reason instead of "unknown flag".
func TestKubeloginFlags(t *testing.T) {
	parse := func(args ...string) (*Options, error) {
		fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o := &Options{}
		BindFlags(fs, o)
		err := fs.Parse(args)
		o.Defaults()
		return o, err
	}
	theirs, err := parse("--oidc-issuer-url=https://i/", "--oidc-client-id=kubectl", "--oidc-client-secret=s",
		"--oidc-extra-scope=email", "--oidc-extra-scope=groups,offline_access", "--oidc-auth-request-extra-params=prompt=login,ui_locales=de",
		"--listen-address=127.0.0.1:8000", "--listen-address=127.0.0.1:18000", "--oidc-redirect-url-hostname=localhost",
		"--certificate-authority=a.pem", "--certificate-authority=b.pem", "--grant-type=auto", "--oidc-use-pkce",
		"--token-cache-dir=/tmp/x", "--force-refresh", "-v=1", "--skip-open-browser", "--authentication-timeout-sec=60")
	if err != nil {
		t.Fatal(err)
	}
	ours, err := parse("--issuer-url=https://i/", "--client-id=kubectl", "--client-secret=s",
		"--scope=email,groups,offline_access", "--auth-param=prompt=login", "--auth-param=ui_locales=de",
		"--listen=127.0.0.1:8000", "--listen=127.0.0.1:18000", "--redirect-host=localhost",
		"--certificate-authority=a.pem", "--certificate-authority=b.pem",
		"--token-cache-dir=/tmp/x", "--force-refresh", "--log-level=debug", "--skip-open-browser", "--authentication-timeout-sec=60")
	if err != nil {
		t.Fatal(err)
	}
	if theirs.CacheKey() != ours.CacheKey() || strings.Join(theirs.Listen, ",") != strings.Join(ours.Listen, ",") ||
		theirs.RedirectHost != ours.RedirectHost || theirs.Grant != GrantAuthCode || !theirs.Debug() || !theirs.ForceRefresh || len(theirs.CAFiles) != 2 {
		t.Fatalf("kubelogin's flags:\n%+v\nauthctl's:\n%+v", theirs, ours)
	}
	if o, err := parse("--listen-port=8000,18000"); err != nil || strings.Join(o.Listen, ",") != "127.0.0.1:8000,127.0.0.1:18000" {
		t.Fatalf("--listen-port: %v %v", o.Listen, err)
	}
	if o, err := parse("-v"); err != nil || !o.Debug() {
		t.Fatalf("-v: %v %v", o.LogLevel, err)
	}
	for _, args := range [][]string{{"--username=u"}, {"--oidc-use-access-token"}, {"--tls-renegotiation-once"}, {"--local-server-cert=c"}} {
		if _, err := parse(args...); err == nil || !strings.Contains(err.Error(), "kubelogin's "+strings.SplitN(args[0], "=", 2)[0]+" is not supported") {
			t.Errorf("%v: err = %v", args, err)
		}
	}
	for _, g := range []string{"password", "device-code"} {
		o, _ := parse("--issuer-url=https://i/", "--client-id=k", "--grant-type="+g)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "not supported by authctl") {
			t.Errorf("--grant-type=%s: %v", g, err)
		}
	}
	// kubelogin's keyboard grant is authctl's, with its redirect URL flag.
	o, err := parse("--issuer-url=https://i/", "--client-id=k", "--grant-type=authcode-keyboard", "--oidc-redirect-url-authcode-keyboard=https://auth.example.com/kubectl/code")
	if err != nil || o.Validate() != nil || o.Grant != GrantAuthCodeKeyboard || o.RedirectURL != "https://auth.example.com/kubectl/code" {
		t.Fatalf("authcode-keyboard: %+v %v %v", o, err, o.Validate())
	}
}

// kubelogin's -v1 and -v 1 (klog) reach authctl's -v as -v=1.
func TestKlogVerbosity(t *testing.T) {
	got := strings.Join(KlogVerbosity([]string{"-v1", "--client-id=k", "-v", "2", "--v", "3", "-v", "--scope=x", "-v=4", "--", "-v5"}), " ")
	if want := "-v=1 --client-id=k -v=2 -v=3 -v --scope=x -v=4 -- -v5"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
