// Package consent closes the "consent gap": Kratos accepts Hydra's login
// with subject = identity id but passes no claims, and the self-service
// UI's consent route never sets groups. Hydra calls this token hook
// (oauth2.token_hook) on every token it issues, including refreshes; the
// hook looks the subject up in the Kratos admin API and adds email,
// email_verified and groups to the id_token, taken from the identity fields
// the profile names (spec.kubernetes.claims). Because it runs on refresh
// too, a changed group membership or a deleted identity takes effect at
// the next refresh rather than at the next login.
package consent

import (
	"context"
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
)

// TokenHookPath is where the hook listens.
const TokenHookPath = "/token-hook"

// Config configures the token hook.
type Config struct {
	// KratosAdminURL is the Kratos admin API base URL.
	KratosAdminURL string
	// EmailField and GroupsField are dotted paths into the identity, e.g.
	// traits.email and metadata_public.groups.
	EmailField  string
	GroupsField string
	HTTPClient  *http.Client
	Logger      *slog.Logger
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
		ClientID      string   `json:"client_id"`
		GrantedScopes []string `json:"granted_scopes"`
		GrantTypes    []string `json:"grant_types"`
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

// errIdentityGone means the subject no longer exists in Kratos.
var errIdentityGone = errors.New("identity not found")

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
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	h := &tokenHook{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenHookPath, h.serve)
	mux.HandleFunc("GET /health/alive", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux, nil
}

type tokenHook struct{ cfg Config }

func (h *tokenHook) serve(w http.ResponseWriter, r *http.Request) {
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
	// Client credentials carry no person, and without openid there is no
	// id_token to fill.
	scopes := req.Request.GrantedScopes
	if len(scopes) == 0 && slices.Contains(req.Request.GrantTypes, "authorization_code") {
		// Hydra v2.3.0 calls the hook for the code exchange before it
		// copies the granted scopes into the request (verified against the
		// real server: granted_scopes is empty there, and set on refresh).
		// An id_token is only issued with openid, and the person consented
		// to the client's scopes; add the profile's claims.
		scopes = []string{"openid", "email", "groups"}
	}
	if subject == "" || !slices.Contains(scopes, "openid") ||
		slices.Equal(req.Request.GrantTypes, []string{"client_credentials"}) {
		log.Info("token hook: nothing to add", "subject", subject, "granted_scopes", req.Request.GrantedScopes)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	identity, err := h.identity(r.Context(), subject)
	if errors.Is(err, errIdentityGone) {
		// Deny: a deleted identity must not refresh its way back in.
		log.Warn("token hook: denied, the identity no longer exists", "subject", subject)
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
		ext[k] = v
	}
	claims := Claims(identity, h.cfg.EmailField, h.cfg.GroupsField, scopes)
	for k, v := range claims {
		ext[k] = v
	}
	var resp hookResponse
	resp.Session.IDToken = ext
	resp.Session.AccessToken = req.Session.Extra
	if resp.Session.AccessToken == nil {
		resp.Session.AccessToken = map[string]any{}
	}
	groups, _ := claims["groups"].([]string)
	log.Info("token hook: claims added", "subject", subject, "email", claims["email"] != nil, "groups", len(groups))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (h *tokenHook) identity(ctx context.Context, id string) (map[string]any, error) {
	u := strings.TrimSuffix(h.cfg.KratosAdminURL, "/") + "/admin/identities/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("could not reach kratos: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, errIdentityGone
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

// Claims computes the claims an identity contributes for the granted
// scopes: email and email_verified with "email", groups with "groups".
// email_verified is true only when Kratos verified that address.
func Claims(identity map[string]any, emailField, groupsField string, scopes []string) map[string]any {
	out := map[string]any{}
	if slices.Contains(scopes, "email") {
		if email, ok := lookup(identity, emailField).(string); ok && email != "" {
			out["email"] = email
			out["email_verified"] = verified(identity, email)
		}
	}
	if slices.Contains(scopes, "groups") {
		groups := []string{}
		switch g := lookup(identity, groupsField).(type) {
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

func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[part]
	}
	return cur
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
