package login

import (
	"context"
	"errors"
	"fmt"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"io"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// AuthRequiredError means a person has to log in and get-token may not
// ask one. Commands exit with code 4 and print Hint.
type AuthRequiredError struct {
	Reason string
	// Hint is the command that logs in, e.g. "authctl login --issuer-url=…".
	Hint string
}

func (e *AuthRequiredError) Error() string { return "authentication required: " + e.Reason }

// Env holds the side effects of a run, so tests can swap them.
type Env struct {
	Stderr io.Writer
	// kubeconfig.ExecInfo is KUBERNETES_EXEC_INFO, nil when run by hand.
	ExecInfo *kubeconfig.ExecInfo
	// StdinIsTerminal reports whether a person can answer.
	StdinIsTerminal bool
	// Stdin is where the authcode-keyboard grant reads the login code.
	Stdin io.Reader
	// Now defaults to time.Now.
	Now func() time.Time
	// Browser defaults to --browser-command or the platform's opener.
	Browser Browser
}

// Interactive reports whether get-token may open a browser: kubectl must
// say spec.interactive (it does only when its stdin is a terminal and
// interactiveMode allows it) and stdin must be a terminal. A background
// tool calling kubectl therefore never opens a tab (kubelogin #904, #1330).
func (e Env) Interactive() bool {
	if e.ExecInfo != nil && !e.ExecInfo.Spec.Interactive {
		return false
	}
	return e.StdinIsTerminal
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Source says where a token came from.
type Source string

// Token sources.
const (
	FromCache             Source = "cache"
	FromRefresh           Source = "refresh"
	FromLogin             Source = "login"
	FromClientCredentials Source = "client-credentials"
)

// Result is a token and where it came from. Claims is nil on a cache hit.
type Result struct {
	Tokens *kubeconfig.TokenSet
	Claims *Claims
	Source Source
}

// Session binds options to their cache.
type Session struct {
	Options *kubeconfig.Options
	Env     Env
	cache   kubeconfig.Cache
	store   store
	key     string
}

// NewSession applies defaults, validates the options and opens the cache.
func NewSession(o *kubeconfig.Options, env Env) (*Session, error) {
	o.Defaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	dir := o.CacheDir
	if dir == "" {
		d, err := kubeconfig.DefaultCacheDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	c := kubeconfig.Cache{Dir: dir}
	s := &Session{Options: o, Env: env, cache: c, store: newStore(o, c, env.Stderr), key: o.CacheKey()}
	s.debugf("cache key %s (from %s), cache %s, storage %s", s.key, redactKey(o), dir, o.Storage)
	return s, nil
}

// debugf writes one --log-level debug line on stderr. Callers pass no
// token, code or secret: only names, URLs without their queries, times.
func (s *Session) debugf(format string, args ...any) {
	if s.Options.Debug() {
		fmt.Fprintf(s.Env.Stderr, "authctl: debug: "+format+"\n", args...)
	}
}

// redactKey is the canonical key for the debug log: it holds hashes of
// the secret and the CA data, never the values.
func redactKey(o *kubeconfig.Options) string { return string(o.CanonicalKey()) }

// keyringOrDisk probes the OS keyring before a login depends on it: an
// unreachable keyring (no D-Bus session, a locked collection) would take
// the token of a finished login with it. The store falls back to the disk
// cache, with a note.
func (s *Session) keyringOrDisk() {
	ks, ok := s.store.(keyringStore)
	if !ok {
		return
	}
	if err := ks.probe(); err != nil {
		s.fallBackToDisk(err)
		return
	}
	s.debugf("the OS keyring answers")
}

func (s *Session) fallBackToDisk(err error) {
	fmt.Fprintf(s.Env.Stderr, "authctl: the OS keyring is not available (%v); keeping tokens in %s instead\n", err, s.cache.Dir)
	s.store = diskStore{s.cache}
}

// load reads the session's entry; an unreachable keyring falls back to
// the disk cache.
func (s *Session) load() (*kubeconfig.TokenSet, error) {
	ts, err := s.store.Load(s.key)
	if err != nil {
		if _, ok := s.store.(keyringStore); ok && s.cache.CheckDir() == nil {
			s.fallBackToDisk(err)
			return s.store.Load(s.key)
		}
	}
	return ts, err
}

// CacheKey is the session's cache key.
func (s *Session) CacheKey() string { return s.key }

// Cached returns the cached token when it is valid. It reads one file and
// makes no network call: this is kubectl's hot path.
func (s *Session) Cached() (*kubeconfig.TokenSet, error) {
	ts, err := s.load()
	if err != nil {
		return nil, err
	}
	if ts.Valid(s.Env.now()) {
		s.debugf("cache hit: the token is valid until %s", ts.Expiry.Format(time.RFC3339))
		return ts, nil
	}
	if ts == nil {
		s.debugf("cache miss: no entry")
	} else {
		s.debugf("cache miss: the token expired at %s (refresh token cached: %t)", ts.Expiry.Format(time.RFC3339), ts.RefreshToken != "")
	}
	return nil, nil
}

func (s *Session) flow() (*flow, error) {
	c, err := HTTPClient(s.Options)
	if err != nil {
		return nil, err
	}
	if s.Options.Debug() {
		c.Transport = debugTransport{next: c.Transport, debugf: s.debugf}
	}
	b := s.Env.Browser
	if b == nil {
		b = commandBrowser{command: s.Options.BrowserCommand, stderr: s.Env.Stderr}
	}
	return &flow{o: s.Options, client: c, stderr: s.Env.Stderr, browser: b, now: s.Env.now, debugf: s.debugf}, nil
}

// noPerson is the reason get-token gives when only a browser login could
// help and nobody can do one.
const noPerson = "no person can log in here (kubectl's spec.interactive is false or stdin is not a terminal)"

// lock takes the session's lock with the options' notice and bound. A
// bound reached becomes an *AuthRequiredError (exit code 4) that names
// the holder: this call gets no token, and it must not hang kubectl.
func (s *Session) lock(ctx context.Context, purpose string) (func(), error) {
	s.debugf("taking the token lock (%s)", purpose)
	unlock, err := acquire(s.cache, ctx, s.key, lockRequest{
		Purpose: purpose, Notice: s.Options.LockWaitNotice, Timeout: s.Options.LockTimeout,
		Stderr: s.Env.Stderr, Now: s.Env.Now,
	})
	var lt *LockTimeoutError
	if errors.As(err, &lt) {
		return nil, &AuthRequiredError{Reason: lt.Error() + "; finish or cancel that login, then retry", Hint: s.Options.LoginCommand()}
	}
	return unlock, err
}

// GetToken returns a valid token for kubectl: from the cache, else by
// refresh, else (only when a person can answer) by a browser login, else
// (client credentials) from the token endpoint.
//
// Whether a person can answer is decided before the lock is taken: a
// caller that could only end in a browser login it may not open (no
// refresh token cached) exits with code 4 at once instead of queueing
// behind another process's login. Every wait for the lock is bounded by
// LockTimeout and every browser login by AuthenticationTimeout, so
// get-token never hangs kubectl.
func (s *Session) GetToken(ctx context.Context) (*Result, error) {
	force := s.Options.ForceRefresh
	if force {
		s.debugf("--force-refresh: not using a cached token")
	} else if ts, err := s.Cached(); err != nil || ts != nil {
		return &Result{Tokens: ts, Source: FromCache}, err
	}
	if s.Options.ClusterAudience != "" {
		return s.clusterToken(ctx, (*Session).GetToken)
	}
	interactive := s.Env.Interactive()
	s.debugf("a person can log in here: %t", interactive)
	purpose := "requesting a client credentials token"
	if s.Options.PersonGrant() {
		purpose = "refreshing"
		cur, err := s.load()
		if err != nil {
			return nil, err
		}
		if cur == nil || cur.RefreshToken == "" {
			if !interactive {
				return nil, &AuthRequiredError{Reason: "no valid token is cached and " + noPerson, Hint: s.Options.LoginCommand()}
			}
			purpose = "logging in"
		}
	}
	unlock, err := s.lock(ctx, purpose)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another process may have refreshed while this one waited.
	old, err := s.load()
	if err != nil {
		return nil, err
	}
	if old.Valid(s.Env.now()) && !force {
		s.debugf("another process refreshed the token while this one waited")
		return &Result{Tokens: old, Source: FromCache}, nil
	}
	f, err := s.flow()
	if err != nil {
		return nil, err
	}
	if s.Options.Grant == kubeconfig.GrantClientCredentials {
		return s.save(f.clientCredentials(ctx))(FromClientCredentials)
	}
	var refreshErr error
	if old != nil && old.RefreshToken != "" {
		s.debugf("refreshing the token")
		ts, claims, err := f.refresh(ctx, old)
		if err == nil {
			return s.save(ts, claims, nil)(FromRefresh)
		}
		refreshErr = err
		fmt.Fprintf(s.Env.Stderr, "authctl: %v\n", err)
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// The issuer rejected the refresh token (expired, revoked or
			// reused): drop it so later calls do not retry it.
			_ = s.store.Delete(s.key)
		}
	}
	if !interactive {
		reason := "no valid token is cached and " + noPerson
		if refreshErr != nil {
			reason = "the token expired, refreshing it failed, and " + noPerson
		}
		return nil, &AuthRequiredError{Reason: reason, Hint: s.Options.LoginCommand()}
	}
	if refreshErr != nil {
		fmt.Fprintln(s.Env.Stderr, "authctl: the refresh failed, so logging in again")
	}
	s.keyringOrDisk()
	if s.Options.Grant == kubeconfig.GrantAuthCodeKeyboard {
		// Nothing is opened: the person types; no tab can pile up.
		return s.save(f.personLogin(ctx, s.Env.Stdin))(FromLogin)
	}
	if !s.Options.SkipOpenBrowser {
		ok, err := allowLaunch(s.cache, s.key, s.Env.now(), s.Options.BrowserLaunchLimit, s.Options.BrowserLaunchWindow)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &AuthRequiredError{
				Reason: fmt.Sprintf("the browser was opened %d times within %s for this login; not opening it again", s.Options.BrowserLaunchLimit, s.Options.BrowserLaunchWindow),
				Hint:   s.Options.LoginCommand(),
			}
		}
	}
	return s.save(f.personLogin(ctx, s.Env.Stdin))(FromLogin)
}

// Login always runs a fresh login (browser, or client credentials) and
// caches the result. It is what a person asks for explicitly, so it opens
// the browser without the interactivity check and launch cap of GetToken.
func (s *Session) Login(ctx context.Context) (*Result, error) {
	if s.Options.ClusterAudience != "" {
		return s.clusterToken(ctx, (*Session).Login)
	}
	unlock, err := s.lock(ctx, "logging in")
	if err != nil {
		return nil, err
	}
	defer unlock()
	f, err := s.flow()
	if err != nil {
		return nil, err
	}
	s.keyringOrDisk()
	if s.Options.Grant == kubeconfig.GrantClientCredentials {
		return s.save(f.clientCredentials(ctx))(FromClientCredentials)
	}
	return s.save(f.personLogin(ctx, s.Env.Stdin))(FromLogin)
}

// save caches a verified token set; it is shaped to wrap a flow's results.
func (s *Session) save(ts *kubeconfig.TokenSet, claims *Claims, err error) func(Source) (*Result, error) {
	return func(src Source) (*Result, error) {
		if err != nil {
			return nil, err
		}
		ts.Issuer, ts.ClientID = strings.TrimSuffix(s.Options.IssuerURL, "/"), s.Options.ClientID
		if err := s.store.Save(s.key, ts); err != nil {
			return nil, err
		}
		s.debugf("got a token from %s, valid until %s; saved to the %s storage", src, ts.Expiry.Format(time.RFC3339), s.Options.Storage)
		return &Result{Tokens: ts, Claims: claims, Source: src}, nil
	}
}
