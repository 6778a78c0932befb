// Package tokenhook closes the "consent gap": Kratos accepts Hydra's login
// with subject = identity id but passes no claims, and the self-service
// UI's consent route never sets groups. Hydra calls this token hook
// (oauth2.token_hook) on every token it issues, including refreshes; the
// hook looks the subject up in the Kratos admin API and adds email,
// email_verified and groups to the id_token, taken from the identity fields
// the profile names (spec.kubernetes.claims). Because it runs on refresh
// too, a changed group membership or a deleted identity takes effect at
// the next refresh rather than at the next login.
package tokenhook

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authctl/authctl/pkg/dotpath"
)

// TokenHookPath is where the hook listens.
const TokenHookPath = "/token-hook"

// APIKeyHeader is the header Hydra sends the hook's API key in
// (oauth2.token_hook.auth.config.name).
const APIKeyHeader = "X-Authctl-Hook-Key"

// APIKeyEnv is the environment variable `authctl serve token-hook` reads
// the API key from (never a flag: flags show up in process listings).
const APIKeyEnv = "AUTHCTL_TOKEN_HOOK_KEY"

// MinAPIKeyLength is the shortest API key the hook accepts.
const MinAPIKeyLength = 16

// Config configures the token hook.
type Config struct {
	// KratosAdminURL is the Kratos admin API base URL.
	KratosAdminURL string
	// EmailField and GroupsField are dotted paths into the identity, e.g.
	// traits.email and metadata_public.groups.
	EmailField  string
	GroupsField string
	// GroupsScope is the scope that releases the groups claim (default
	// groups).
	GroupsScope string
	// APIKey must be presented in the APIKeyHeader header of every hook
	// call; other calls get 401.
	APIKey     string
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// hookRequest is the part of Hydra's token hook request the hook reads.
type hookRequest struct {
	Session struct {
		IDToken struct {
			Subject       string `json:"subject"`
			IDTokenClaims struct {
				Subject string         `json:"sub"`
				Ext     map[string]any `json:"ext"`
			} `json:"id_token_claims"`
		} `json:"id_token"`
		Extra map[string]any `json:"extra"`
	} `json:"session"`
	Request struct {
		ClientID        string   `json:"client_id"`
		RequestedScopes []string `json:"requested_scopes"`
		GrantedScopes   []string `json:"granted_scopes"`
		GrantTypes      []string `json:"grant_types"`
		// Payload is the token request's form as Hydra passes it
		// (grant_type, scope and client_id survive its sanitizing).
		Payload map[string][]string `json:"payload"`
	} `json:"request"`
}

// hookResponse replaces the session's extra claims: Hydra overwrites both
// maps with these, so the existing claims are returned too.
type hookResponse struct {
	Session struct {
		AccessToken map[string]any `json:"access_token"`
		IDToken     map[string]any `json:"id_token"`
	} `json:"session"`
}

// ErrIdentityGone means the subject no longer exists in Kratos.
var ErrIdentityGone = errors.New("identity not found")

// errNoKey is returned for a hook configured without an API key.
var errNoKey = fmt.Errorf("the token hook needs an API key of at least %d characters (%s)", MinAPIKeyLength, APIKeyEnv)

// NewTokenHook returns the hook's HTTP handler (with health endpoints).
func NewTokenHook(cfg Config) (http.Handler, error) {
	if cfg.KratosAdminURL == "" {
		return nil, errors.New("the kratos admin URL is required")
	}
	if _, err := url.Parse(cfg.KratosAdminURL); err != nil {
		return nil, fmt.Errorf("invalid kratos admin URL: %w", err)
	}
	if cfg.EmailField == "" {
		cfg.EmailField = "traits.email"
	}
	if cfg.GroupsField == "" {
		cfg.GroupsField = "metadata_public.groups"
	}
	if cfg.GroupsScope == "" {
		cfg.GroupsScope = "groups"
	}
	if len(cfg.APIKey) < MinAPIKeyLength {
		return nil, errNoKey
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	h := &tokenHook{cfg: cfg, keyHash: sha256.Sum256([]byte(cfg.APIKey))}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenHookPath, h.serve)
	mux.HandleFunc("GET /health/alive", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux, nil
}

type tokenHook struct {
	cfg     Config
	keyHash [sha256.Size]byte
}

// authorized compares the presented key with the configured one in
// constant time; hashing first makes the comparison independent of the
// presented key's length too.
func (h *tokenHook) authorized(r *http.Request) bool {
	got := sha256.Sum256([]byte(r.Header.Get(APIKeyHeader)))
	return subtle.ConstantTimeCompare(got[:], h.keyHash[:]) == 1
}

// Scopes returns the scopes a token hook call releases claims for. On a
// refresh Hydra v2.3.0 sends the scopes granted at consent in
// granted_scopes. On a code exchange it calls the hook before fosite
// copies the granted scopes into the token request (flow_authorize_code_token.go
// grants them in PopulateTokenEndpointResponse, after the hooks), so
// granted_scopes is empty and requested_scopes holds the scopes of the
// authorization request, which Hydra checked against the client's allowed
// scopes; those are used then.
func Scopes(grantTypes, requested, granted []string) []string {
	if len(granted) > 0 {
		return granted
	}
	if slices.Contains(grantTypes, "authorization_code") {
		return requested
	}
	return nil
}

func (h *tokenHook) serve(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r) {
		h.cfg.Logger.Warn("token hook: rejected a call without the right API key", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", "ApiKey header="+APIKeyHeader)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var req hookRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "could not decode the token hook request", http.StatusBadRequest)
		return
	}
	log := h.cfg.Logger.With("client_id", req.Request.ClientID, "grant_types", req.Request.GrantTypes)
	subject := req.Session.IDToken.Subject
	if subject == "" {
		subject = req.Session.IDToken.IDTokenClaims.Subject
	}
	// Client credentials carry no person: nothing to check or add.
	scopes := Scopes(req.Request.GrantTypes, req.Request.RequestedScopes, req.Request.GrantedScopes)
	if subject == "" || slices.Equal(req.Request.GrantTypes, []string{"client_credentials"}) {
		log.Info("token hook: nothing to add", "subject", subject,
			"requested_scopes", req.Request.RequestedScopes, "granted_scopes", req.Request.GrantedScopes)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// Every token for a person is checked, with or without openid: a
	// deactivated or deleted identity must get neither an id_token nor an
	// access or refresh token.
	identity, err := Identity(r.Context(), h.cfg.HTTPClient, h.cfg.KratosAdminURL, subject)
	if errors.Is(err, ErrIdentityGone) {
		// Deny: a deleted identity must not refresh its way back in.
		log.Warn("token hook: denied, the identity no longer exists", "subject", subject)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if err == nil && identity["state"] != "active" {
		log.Warn("token hook: denied, the identity is not active", "subject", subject, "state", identity["state"])
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if err != nil {
		// Fail closed: Hydra answers server_error and issues nothing.
		log.Error("token hook: could not read the identity", "subject", subject, "error", err)
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	ext := map[string]any{}
	for k, v := range req.Session.IDToken.IDTokenClaims.Ext {
		// The hook owns these claims: whatever a consent app put there,
		// they appear only as the scopes release them below.
		if !ownedClaims[k] {
			ext[k] = v
		}
	}
	if !slices.Contains(scopes, "openid") {
		log.Info("token hook: active, no id_token to fill", "subject", subject, "scopes", scopes)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	claims := Claims(identity, ClaimFields{Email: h.cfg.EmailField, Groups: h.cfg.GroupsField, GroupsScope: h.cfg.GroupsScope}, scopes)
	for k, v := range claims {
		ext[k] = v
	}
	if c := Cluster(req.Request.GrantTypes, req.Request.Payload["scope"], scopes); c != "" {
		ext[ClusterClaim] = c
	}
	var resp hookResponse
	resp.Session.IDToken = ext
	resp.Session.AccessToken = req.Session.Extra
	if resp.Session.AccessToken == nil {
		resp.Session.AccessToken = map[string]any{}
	}
	groups, _ := claims["groups"].([]string)
	log.Info("token hook: claims added", "subject", subject, "scopes", scopes, "cluster", ext[ClusterClaim],
		"requested_scopes", req.Request.RequestedScopes, "granted_scopes", req.Request.GrantedScopes,
		"email", claims["email"] != nil, "groups", len(groups))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// Identity reads an identity from the Kratos admin API at
// kratosAdminURL; a deleted one is ErrIdentityGone. The token hook and the
// UI's consent both read the identity this way.
func Identity(ctx context.Context, hc *http.Client, kratosAdminURL, id string) (map[string]any, error) {
	u := strings.TrimSuffix(kratosAdminURL, "/") + "/admin/identities/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("could not reach kratos: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrIdentityGone
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("kratos answered HTTP %d", resp.StatusCode)
	}
	var identity map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&identity); err != nil {
		return nil, fmt.Errorf("could not decode the identity: %w", err)
	}
	return identity, nil
}

// ownedClaims are the id_token claims only the hook sets.
var ownedClaims = map[string]bool{"email": true, "email_verified": true, "groups": true, ClusterClaim: true}

// ClusterScopePrefix and ClusterClaim: a refresh whose scope parameter
// asks for cluster:NAME gets NAME in the id_token's cluster claim
// (pkg/kubeconfig's constants of the same names; not imported, so that
// the hook's image does not link the plugin).
const (
	ClusterScopePrefix = "cluster:"
	ClusterClaim       = "cluster"
)

// Cluster is the cluster a refresh narrows its id_token to: the one
// cluster:NAME in the refresh request's scope parameter, when the login
// was granted that scope. Anything else (a code exchange, no or two
// cluster scopes, one the login was not granted) is no cluster, and the
// claim is left out: a token without it is accepted by no cluster that
// requires one. Hydra v2.3.0 cannot narrow a refresh itself (fosite's
// refresh handler keeps the login's scopes and audience), and writes only
// the client id into aud.
func Cluster(grantTypes, scopeParam, granted []string) string {
	if !slices.Equal(grantTypes, []string{"refresh_token"}) {
		return ""
	}
	found := ""
	for _, p := range scopeParam {
		for _, sc := range strings.Fields(p) {
			name, ok := strings.CutPrefix(sc, ClusterScopePrefix)
			if !ok {
				continue
			}
			if found != "" && found != name {
				return ""
			}
			found = name
		}
	}
	if found == "" || !slices.Contains(granted, ClusterScopePrefix+found) {
		return ""
	}
	return found
}

// ClaimFields names the identity fields claims come from and the scope
// that releases groups.
type ClaimFields struct {
	Email, Groups string
	// GroupsScope releases the groups claim (default groups).
	GroupsScope string
}

// Claims computes the claims an identity contributes for the granted
// scopes: email and email_verified with "email", groups with the groups
// scope. email_verified is true only when Kratos verified that address.
func Claims(identity map[string]any, f ClaimFields, scopes []string) map[string]any {
	out := map[string]any{}
	if f.GroupsScope == "" {
		f.GroupsScope = "groups"
	}
	if slices.Contains(scopes, "email") {
		if email, ok := dotpath.Lookup(identity, f.Email).(string); ok && email != "" {
			out["email"] = email
			out["email_verified"] = verified(identity, email)
		}
	}
	if slices.Contains(scopes, f.GroupsScope) {
		groups := []string{}
		switch g := dotpath.Lookup(identity, f.Groups).(type) {
		case []any:
			for _, x := range g {
				if s, ok := x.(string); ok && s != "" {
					groups = append(groups, s)
				}
			}
		case string:
			if g != "" {
				groups = append(groups, g)
			}
		}
		out["groups"] = groups
	}
	return out
}

func verified(identity map[string]any, email string) bool {
	list, _ := identity["verifiable_addresses"].([]any)
	for _, a := range list {
		am, _ := a.(map[string]any)
		if v, _ := am["value"].(string); strings.EqualFold(v, email) {
			ok, _ := am["verified"].(bool)
			return ok
		}
	}
	return false
}
