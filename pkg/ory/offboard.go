package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/ory/retry"
	"github.com/authctl/authctl/pkg/profile"
)

// SessionsField is listed in a Change's Fields when bootstrap ends the
// sessions of an identity it deactivates. (A deleted identity's sessions
// always end; its change lists no fields.)
const SessionsField = "sessions"

// sessionRevoker ends every session of an identity, so that taking access
// away takes effect at once rather than when tokens expire:
//   - Kratos: DELETE /admin/identities/{id}/sessions (browser sessions);
//   - Hydra: DELETE /admin/oauth2/auth/sessions/consent?subject=ID&all=true,
//     which revokes the access and refresh tokens of every consent, and
//     DELETE /admin/oauth2/auth/sessions/login?subject=ID (remembered logins).
//
// The subject of Hydra's sessions is the Kratos identity id (Kratos accepts
// Hydra's login with subject = identity id). hydra is nil when no Hydra
// admin URL is known; then only Kratos sessions end, and the token hook
// still refuses the identity's next refresh.
type sessionRevoker struct {
	k     *kratosAdmin
	hydra *hydraAdmin
}

func (r sessionRevoker) revoke(ctx context.Context, id string) error {
	if err := r.k.deleteSessions(ctx, id); err != nil {
		return fmt.Errorf("could not end the Kratos sessions: %w", err)
	}
	if r.hydra == nil {
		return nil
	}
	if err := r.hydra.revokeConsent(ctx, id); err != nil {
		return fmt.Errorf("could not revoke the Hydra consent sessions (and their tokens): %w", err)
	}
	if err := r.hydra.revokeLogin(ctx, id); err != nil {
		return fmt.Errorf("could not revoke the Hydra login sessions: %w", err)
	}
	return nil
}

func (k *kratosAdmin) deleteSessions(ctx context.Context, id string) error {
	return k.retry.Do(ctx, func(ctx context.Context) error {
		resp, err := k.api.IdentityAPI.DeleteIdentitySessions(ctx, id).Execute()
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil // no identity, no sessions
		}
		return classify("DELETE /admin/identities/"+id+"/sessions", resp, err)
	})
}

func (h *hydraAdmin) revokeConsent(ctx context.Context, subject string) error {
	return h.retry.Do(ctx, func(ctx context.Context) error {
		resp, err := h.api.OAuth2API.RevokeOAuth2ConsentSessions(ctx).Subject(subject).All(true).Execute()
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil
		}
		return classify("DELETE /admin/oauth2/auth/sessions/consent", resp, err)
	})
}

func (h *hydraAdmin) revokeLogin(ctx context.Context, subject string) error {
	return h.retry.Do(ctx, func(ctx context.Context) error {
		resp, err := h.api.OAuth2API.RevokeOAuth2LoginSessions(ctx).Subject(subject).Execute()
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil
		}
		return classify("DELETE /admin/oauth2/auth/sessions/login", resp, err)
	})
}

// Offboard takes access away from people at once: each identity is made
// inactive, or deleted, and every session it has ends (see sessionRevoker).
// The token hook then refuses it any new token, and its refresh tokens are
// already revoked. An identity is found by any of its addresses
// (traits.email, verifiable and recovery addresses), its credential
// identifiers, its SSO subject (provider:subject, e.g. google:1234) or its
// id (lookup.go); an identifier that names more than one identity is
// refused, and nothing is changed for it.
//
// An identity that bootstrap manages keeps whatever state its input says:
// change the input too (state: inactive, or remove it and run --prune),
// or the next bootstrap run reactivates it.
type Offboard struct {
	// KratosAdminURL and HydraAdminURL: empty means $KRATOS_ADMIN_URL /
	// $HYDRA_ADMIN_URL (through Getenv), then Profile's (AdminURLs). Both
	// are required: without Hydra's, refresh tokens would live on until
	// the token hook refuses them.
	KratosAdminURL string
	HydraAdminURL  string
	// Profile (may be nil) and Getenv (may be nil) fill the empty URLs.
	Profile *profile.Profile
	Getenv  func(string) string
	// HTTPClient, when nil, is built from CAFile and InsecureSkipTLSVerify.
	HTTPClient            *http.Client
	CAFile                string
	InsecureSkipTLSVerify bool
	// Timeout, when set, bounds the whole run and its retries.
	Timeout time.Duration
	Headers map[string]string
	// Delete deletes the identities instead of deactivating them.
	Delete bool
	// Retry is the retry policy of every request (default retry.Default).
	Retry *retry.Policy
}

// OffboardResult is the outcome for one identifier.
type OffboardResult struct {
	Identifier string `json:"identifier"`
	ID         string `json:"id,omitempty"`
	// Action is "deactivated", "deleted", "not found" or "ambiguous".
	Action string `json:"action"`
	// Via says how the identifier named the identity: "credential
	// identifier" (also an SSO subject), "traits.email", "verifiable
	// address", "recovery address" or "id".
	Via []string `json:"via,omitempty"`
	// Candidates are the ids of the identities an ambiguous identifier
	// names; none of them was changed.
	Candidates []string `json:"candidates,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// Offboard actions.
const (
	OffboardDeactivated = "deactivated"
	OffboardDeleted     = "deleted"
	OffboardNotFound    = "not found"
	OffboardAmbiguous   = "ambiguous"
)

// Run offboards each identifier. Per-identity failures are in the results
// (and counted in the error); a run-wide failure is returned alone.
func (o Offboard) Run(ctx context.Context, identifiers []string) ([]OffboardResult, error) {
	u := AdminURLs{KratosAdmin: o.KratosAdminURL, HydraAdmin: o.HydraAdminURL}.Resolve(o.Getenv, o.Profile)
	o.KratosAdminURL, o.HydraAdminURL = u.KratosAdmin, u.HydraAdmin
	if o.KratosAdminURL == "" || o.HydraAdminURL == "" {
		return nil, errors.New("offboarding needs the Kratos and the Hydra admin URL")
	}
	if o.HTTPClient == nil {
		hc, err := NewHTTPClient(ConnOptions{CAFile: o.CAFile, InsecureSkipTLSVerify: o.InsecureSkipTLSVerify})
		if err != nil {
			return nil, err
		}
		o.HTTPClient = hc
	}
	policy := retry.Default
	if o.Retry != nil {
		policy = *o.Retry
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
		policy.Deadline = o.Timeout
	}
	k := &kratosAdmin{api: newAPIClient(o.KratosAdminURL, o.HTTPClient, o.Headers), retry: policy}
	rev := sessionRevoker{k: k, hydra: &hydraAdmin{api: newAPIClient(o.HydraAdminURL, o.HTTPClient, o.Headers), retry: policy}}
	// Addresses are no filter of GET /admin/identities: one pass over every
	// identity indexes them for all the identifiers of this run.
	idx, err := k.addresses(ctx)
	if err != nil {
		return nil, fmt.Errorf("could not list the identities: %w", err)
	}
	out := make([]OffboardResult, 0, len(identifiers))
	failed := 0
	for _, ident := range identifiers {
		r := OffboardResult{Identifier: ident}
		if err := o.one(ctx, k, rev, idx, &r); err != nil {
			r.Error = err.Error()
			failed++
		}
		out = append(out, r)
	}
	if failed > 0 {
		return out, fmt.Errorf("%d of %d identities could not be offboarded", failed, len(identifiers))
	}
	return out, nil
}

func (o Offboard) one(ctx context.Context, k *kratosAdmin, rev sessionRevoker, idx addressIndex, r *OffboardResult) error {
	byServer, err := k.serverMatches(ctx, r.Identifier)
	if err != nil {
		return err
	}
	matches := matchIdentities(r.Identifier, byServer, idx)
	switch len(matches) {
	case 0:
		r.Action = OffboardNotFound
		return fmt.Errorf("no identity has the identifier %q as an address, credential identifier, SSO subject (provider:subject) or id", r.Identifier)
	case 1:
	default:
		r.Action = OffboardAmbiguous
		for _, m := range matches {
			r.Candidates = append(r.Candidates, m.ID)
		}
		return ambiguousError(r.Identifier, matches)
	}
	id := matches[0].ID
	r.ID, r.Via = id, matches[0].Via
	if o.Delete {
		// Sessions first: after the delete, a failure to revoke could not
		// be retried by running the same command again.
		if err := rev.revoke(ctx, id); err != nil {
			return err
		}
		if err := k.delete(ctx, id); err != nil {
			return err
		}
		r.Action = OffboardDeleted
		return nil
	}
	// Deactivate first: from then on the token hook refuses every token,
	// so no session can be renewed while the others are being ended.
	if err := k.deactivate(ctx, id); err != nil {
		return err
	}
	if err := rev.revoke(ctx, id); err != nil {
		return err
	}
	r.Action = OffboardDeactivated
	return nil
}

// deactivate sets an identity's state to inactive with a JSON Patch, which
// leaves every other field (and the credentials) as they are.
func (k *kratosAdmin) deactivate(ctx context.Context, id string) error {
	patch := []orysdk.JsonPatch{{Op: "replace", Path: "/state", Value: "inactive"}}
	return k.retry.Do(ctx, func(ctx context.Context) error {
		_, resp, err := k.api.IdentityAPI.PatchIdentity(ctx, id).JsonPatch(patch).Execute()
		return classify("PATCH /admin/identities/"+id, resp, err)
	})
}
