package ory

import (
	"context"
	"fmt"
	"net/http"
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
