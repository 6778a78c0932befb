// Package authz answers Oathkeeper's remote_json authorizer for services
// that require group membership. Oathkeeper builds the request from the
// verified session or token, so the check itself is a pure comparison.
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
}

// Allowed reports whether the subject is in at least one required group.
func (r Request) Allowed() bool {
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
		if len(req.Required) == 0 || !req.Allowed() {
			log.Info("denied", "subject", req.Subject, "required", req.Required)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	return mux
}
