// Package authz answers Oathkeeper's remote_json authorizer for services
// that require group membership or a second factor (mfa: required).
// Oathkeeper builds the request from the verified session or token, so the
// check itself is a pure comparison.
package authz

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
)

// Request is the payload Oathkeeper's remote_json authorizer sends.
type Request struct {
	Subject  string   `json:"subject"`
	Groups   []string `json:"groups"`
	Required []string `json:"required"`
	// MFA asks for a session signed in with a second factor; AAL is the
	// Kratos session's authenticator_assurance_level.
	MFA bool   `json:"mfa"`
	AAL string `json:"aal"`
}

// Allowed reports whether the subject passes every check the request asks
// for: a second factor (AAL aal2) with MFA, and at least one required
// group when groups are required. A request that asks for neither is
// refused: it is a misconfigured rule, not an open door.
func (r Request) Allowed() bool {
	if !r.MFA && len(r.Required) == 0 {
		return false
	}
	if r.MFA && r.AAL != "aal2" {
		return false
	}
	return len(r.Required) == 0 || r.inGroup()
}

func (r Request) inGroup() bool {
	for _, g := range r.Groups {
		for _, want := range r.Required {
			if g == want {
				return true
			}
		}
	}
	return false
}

const maxBody = 64 << 10

// Handler serves POST /authorize (200 allow, 403 deny) and GET /health/ready.
func Handler(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /health/alive", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST /authorize", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil {
			http.Error(w, "invalid request", http.StatusBadRequest)
			return
		}
		if !req.Allowed() {
			log.Info("denied", "subject", req.Subject, "required", req.Required, "mfa", req.MFA, "aal", req.AAL)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	return mux
}
