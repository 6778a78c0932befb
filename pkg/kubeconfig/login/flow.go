package login

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/authctl/authctl/pkg/capool"
	"github.com/authctl/authctl/pkg/kubeconfig"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Claims are the identity claims login prints.
type Claims struct {
	Subject string    `json:"sub"`
	Email   string    `json:"email,omitempty"`
	Groups  []string  `json:"groups,omitempty"`
	Expiry  time.Time `json:"exp"`
}

// flow runs the grants against the issuer. Only a cache miss gets here, so
// the cache-hit path never builds an HTTP client.
type flow struct {
	o       *kubeconfig.Options
	client  *http.Client
	stderr  io.Writer
	browser Browser
	now     func() time.Time
	// debugf writes --log-level debug lines (never tokens).
	debugf func(format string, args ...any)
}

func (f *flow) debug(format string, args ...any) {
	if f.debugf != nil {
		f.debugf(format, args...)
	}
}

// HTTPClient returns a client that trusts the options' CAs (in addition
// to the system pool) or, with Insecure, nothing.
func HTTPClient(o *kubeconfig.Options) (*http.Client, error) {
	tc, err := capool.Flags{
		Files: o.CAFiles, FilesFlag: "--certificate-authority",
		Data: o.CAData, DataFlag: "--certificate-authority-data",
		Insecure: o.Insecure,
	}.TLSConfig()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

func (f *flow) ctx(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, f.client)
	return context.WithValue(ctx, oauth2.HTTPClient, f.client)
}

func (f *flow) provider(ctx context.Context) (*oidc.Provider, error) {
	p, err := oidc.NewProvider(f.ctx(ctx), f.o.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("could not discover issuer %s: %w", f.o.IssuerURL, err)
	}
	return p, nil
}

func (f *flow) oauth2Config(p *oidc.Provider) oauth2.Config {
	return oauth2.Config{
		ClientID:     f.o.ClientID,
		ClientSecret: f.o.ClientSecret,
		Endpoint:     p.Endpoint(),
		Scopes:       f.o.Scopes(),
	}
}

func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("could not read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// personLogin runs the person's grant: authcode through the browser and a
// loopback listener, or authcode-keyboard, bounded by
// AuthenticationTimeout either way.
func (f *flow) personLogin(ctx context.Context, stdin io.Reader) (*kubeconfig.TokenSet, *Claims, error) {
	if f.o.Grant == kubeconfig.GrantAuthCodeKeyboard {
		return f.bounded(ctx, func(ctx context.Context) (*kubeconfig.TokenSet, *Claims, error) { return f.keyboard(ctx, stdin) })
	}
	return f.bounded(ctx, f.authCodeUnbounded)
}

// bounded runs a person's login within AuthenticationTimeout.
func (f *flow) bounded(ctx context.Context, run func(context.Context) (*kubeconfig.TokenSet, *Claims, error)) (*kubeconfig.TokenSet, *Claims, error) {
	if f.o.AuthenticationTimeout > 0 {
		// An abandoned login must end: it holds the key's lock.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.o.AuthenticationTimeout)
		defer cancel()
	}
	ts, claims, err := run(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, nil, &AuthRequiredError{
			Reason: fmt.Sprintf("no browser login completed within %s (--authentication-timeout-sec)", f.o.AuthenticationTimeout),
			Hint:   f.o.LoginCommand(),
		}
	}
	return ts, claims, err
}

// authRequest makes one authorization request's state, nonce and PKCE
// verifier, and the options that send them (with --auth-param's).
func (f *flow) authRequest() (state, nonce, verifier string, opts []oauth2.AuthCodeOption, err error) {
	if state, err = randomString(); err != nil {
		return
	}
	if nonce, err = randomString(); err != nil {
		return
	}
	verifier = oauth2.GenerateVerifier()
	opts = []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}
	for k, v := range f.o.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return state, nonce, verifier, opts, nil
}

// authCodeUnbounded runs the authorization code grant with PKCE (S256),
// state and nonce through a loopback listener. The listener tries o.Listen
// in order, so a busy first port falls back to the next one.
func (f *flow) authCodeUnbounded(ctx context.Context) (*kubeconfig.TokenSet, *Claims, error) {
	p, err := f.provider(ctx)
	if err != nil {
		return nil, nil, err
	}
	state, nonce, verifier, authOpts, err := f.authRequest()
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := f.oauth2Config(p)
	lb, err := listenLoopback(f.o)
	if err != nil {
		return nil, nil, fmt.Errorf("authorization code login failed: %w", err)
	}
	cfg.RedirectURL = lb.redirectURL
	f.debug("listening on %s for the redirect to %s", lb.ln.Addr(), lb.redirectURL)
	lb.authURL = cfg.AuthCodeURL(state, authOpts...)
	lb.state = state
	// The browser's code is exchanged while the browser waits, so that its
	// page shows the outcome, not a success that the exchange may undo.
	lb.exchange = func(code string) (*kubeconfig.TokenSet, *Claims, error) {
		f.debug("exchanging the authorization code at %s", redactURL(cfg.Endpoint.TokenURL))
		tok, err := cfg.Exchange(f.ctx(ctx), code, oauth2.VerifierOption(verifier))
		if err != nil {
			return nil, nil, fmt.Errorf("could not exchange the authorization code: %w", err)
		}
		return f.tokenSet(ctx, p, tok, nonce, "")
	}
	go func() {
		u := lb.indexURL
		if f.o.SkipOpenBrowser {
			fmt.Fprintf(f.stderr, "authctl: open this URL to log in:\n  %s\n", u)
			return
		}
		fmt.Fprintf(f.stderr, "authctl: opening the browser to log in at %s\n", f.o.IssuerURL)
		if err := f.browser.Open(ctx, u); err != nil {
			fmt.Fprintf(f.stderr, "authctl: %v\nauthctl: open this URL to log in:\n  %s\n", err, u)
		}
	}()
	ts, claims, err := lb.serve(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("authorization code login failed: %w", err)
	}
	return ts, claims, nil
}

// tokenSet verifies the id_token (signature through the issuer's JWKS,
// iss, aud, exp and, for a fresh login, the nonce) before anything is
// cached.
func (f *flow) tokenSet(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, nonce, oldRefresh string) (*kubeconfig.TokenSet, *Claims, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, nil, errors.New("the token response has no id_token (is the openid scope allowed for the client?)")
	}
	idt, err := p.VerifierContext(f.ctx(ctx), &oidc.Config{ClientID: f.o.ClientID, Now: f.now}).Verify(f.ctx(ctx), raw)
	if err != nil {
		return nil, nil, fmt.Errorf("could not verify the id_token: %w", err)
	}
	if nonce != "" && idt.Nonce != nonce {
		return nil, nil, errors.New("could not verify the id_token: nonce does not match the login request")
	}
	var c struct {
		Email  string   `json:"email"`
		Groups []string `json:"groups"`
	}
	_ = idt.Claims(&c)
	refresh := tok.RefreshToken
	if refresh == "" {
		refresh = oldRefresh
	}
	ts := &kubeconfig.TokenSet{Token: raw, IDToken: raw, RefreshToken: refresh, Expiry: idt.Expiry}
	return ts, &Claims{Subject: idt.Subject, Email: c.Email, Groups: c.Groups, Expiry: idt.Expiry}, nil
}

// refresh runs the refresh token grant. Its error is returned, never
// turned into a browser login here: the caller decides and says so.
func (f *flow) refresh(ctx context.Context, old *kubeconfig.TokenSet) (*kubeconfig.TokenSet, *Claims, error) {
	p, err := f.provider(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg := f.oauth2Config(p)
	tok, err := cfg.TokenSource(f.ctx(ctx), &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		return nil, nil, fmt.Errorf("could not refresh the token: %w", err)
	}
	return f.tokenSet(ctx, p, tok, "", old.RefreshToken)
}

// clientCredentials runs the client credentials grant for CI. kubectl
// sends the access token, which must be a JWT the API server can verify,
// so it is verified the same way as an id_token.
func (f *flow) clientCredentials(ctx context.Context) (*kubeconfig.TokenSet, *Claims, error) {
	p, err := f.provider(ctx)
	if err != nil {
		return nil, nil, err
	}
	cc := clientcredentials.Config{
		ClientID:     f.o.ClientID,
		ClientSecret: f.o.ClientSecret,
		TokenURL:     p.Endpoint().TokenURL,
		Scopes:       f.o.ExtraScopes,
	}
	if len(f.o.Audiences) > 0 {
		cc.EndpointParams = map[string][]string{"audience": {joinSpace(kubeconfig.SortedSet(f.o.Audiences))}}
	}
	tok, err := cc.Token(f.ctx(ctx))
	if err != nil {
		return nil, nil, fmt.Errorf("client credentials grant failed: %w", err)
	}
	vc := &oidc.Config{SkipClientIDCheck: true, Now: f.now}
	if len(f.o.Audiences) > 0 {
		vc = &oidc.Config{ClientID: kubeconfig.SortedSet(f.o.Audiences)[0], Now: f.now}
	}
	at, err := p.VerifierContext(f.ctx(ctx), vc).Verify(f.ctx(ctx), tok.AccessToken)
	if err != nil {
		return nil, nil, fmt.Errorf("could not verify the access token (the issuer must issue JWT access tokens): %w", err)
	}
	return &kubeconfig.TokenSet{Token: tok.AccessToken, Expiry: at.Expiry}, &Claims{Subject: at.Subject, Expiry: at.Expiry}, nil
}

func joinSpace(l []string) string {
	out := ""
	for i, s := range l {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
