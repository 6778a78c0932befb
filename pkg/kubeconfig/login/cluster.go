package login

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// One login for every cluster (spec.kubernetes.clusters). Hydra v2.3.0
// writes only the client id into an id_token's aud (fosite's
// handler/openid/strategy_jwt.go appends it; Hydra's session drops "aud"
// from a hook's claims), and a refresh keeps the login's granted audience
// (fosite's flow_refresh.go), so an audience per cluster cannot come from
// Hydra itself. The route it does offer: the token hook sees the refresh
// request's scope parameter (Hydra passes it in request.payload), so a
// refresh that asks for exactly one cluster:NAME the login was granted
// gets an id_token whose cluster claim is NAME, and each cluster's
// AuthenticationConfiguration requires its own name there. The login
// (its refresh token) is one cache entry shared by the clusters; each
// cluster's id_token is an entry of its own, keyed with the cluster.

// clusterToken returns the token of Options.ClusterAudience: the cached
// one, else a refresh of the shared login narrowed to the cluster (after
// a login when there is none).
func (s *Session) clusterToken(ctx context.Context, login func(*Session, context.Context) (*Result, error)) (*Result, error) {
	cluster := s.Options.ClusterAudience
	shared := s.sharedLogin()
	// The shared login: cached, refreshed or logged in, with every check
	// of a login (a person present, the launch cap, the lock).
	res, err := login(shared, ctx)
	if err != nil {
		return nil, err
	}
	unlock, err := shared.lock(ctx, "asking for a token for cluster "+cluster)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cur, err := shared.load()
	if err != nil {
		return nil, err
	}
	if cur == nil {
		cur = res.Tokens
	}
	if cur == nil || cur.RefreshToken == "" {
		return nil, fmt.Errorf("the login has no refresh token, so it cannot serve cluster %s: add the offline_access scope (authctl kubeconfig setup does)", cluster)
	}
	f, err := s.flow()
	if err != nil {
		return nil, err
	}
	s.debugf("refreshing the shared login for cluster %s", cluster)
	ts, claims, err := f.refreshForCluster(ctx, cur, cluster)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			_ = shared.store.Delete(shared.key)
		}
		return nil, err
	}
	// Hydra rotated the refresh token: the shared login keeps the new one.
	cur.RefreshToken = ts.RefreshToken
	if err := shared.store.Save(shared.key, cur); err != nil {
		return nil, err
	}
	ts.RefreshToken = ""
	return s.save(ts, claims, nil)(FromRefresh)
}

// sharedLogin is the session of the login the clusters share: the same
// options without the cluster.
func (s *Session) sharedLogin() *Session {
	o := *s.Options
	o.ClusterAudience = ""
	o.ForceRefresh = false
	return &Session{Options: &o, Env: s.Env, cache: s.cache, store: s.store, key: o.CacheKey()}
}

// refreshForCluster runs a refresh grant whose scope parameter asks for
// one cluster, and verifies that the id_token names it.
func (f *flow) refreshForCluster(ctx context.Context, old *kubeconfig.TokenSet, cluster string) (*kubeconfig.TokenSet, *Claims, error) {
	p, err := f.provider(ctx)
	if err != nil {
		return nil, nil, err
	}
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {old.RefreshToken},
		"scope":         {"openid " + kubeconfig.ClusterScopePrefix + cluster},
	}
	if f.o.ClientSecret == "" {
		form.Set("client_id", f.o.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Endpoint().TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if f.o.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(f.o.ClientID), url.QueryEscape(f.o.ClientSecret))
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("could not refresh the token for cluster %s: %w", cluster, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("could not refresh the token for cluster %s: %w", cluster, err)
	}
	if resp.StatusCode != http.StatusOK {
		re := &oauth2.RetrieveError{Response: resp, Body: body}
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &e)
		re.ErrorCode, re.ErrorDescription = e.Error, e.Description
		return nil, nil, fmt.Errorf("could not refresh the token for cluster %s: %w", cluster, re)
	}
	var tr struct {
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.IDToken == "" || tr.RefreshToken == "" {
		return nil, nil, fmt.Errorf("the refresh for cluster %s returned no id_token and refresh token", cluster)
	}
	idt, err := p.VerifierContext(f.ctx(ctx), &oidc.Config{ClientID: f.o.ClientID, Now: f.now}).Verify(f.ctx(ctx), tr.IDToken)
	if err != nil {
		return nil, nil, fmt.Errorf("could not verify the id_token for cluster %s: %w", cluster, err)
	}
	var c struct {
		Email   string   `json:"email"`
		Groups  []string `json:"groups"`
		Cluster string   `json:"cluster"`
	}
	_ = idt.Claims(&c)
	if c.Cluster != cluster {
		return nil, nil, fmt.Errorf("the issuer did not bind the token to cluster %s (its %s claim is %q): the token hook adds it when the login was granted the %s%s scope; check spec.kubernetes.clusters and run authctl kubeconfig setup again",
			cluster, kubeconfig.ClusterClaim, c.Cluster, kubeconfig.ClusterScopePrefix, cluster)
	}
	ts := &kubeconfig.TokenSet{Token: tr.IDToken, IDToken: tr.IDToken, RefreshToken: tr.RefreshToken, Expiry: idt.Expiry}
	return ts, &Claims{Subject: idt.Subject, Email: c.Email, Groups: c.Groups, Expiry: idt.Expiry}, nil
}
