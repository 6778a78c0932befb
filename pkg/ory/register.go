package ory

import (
	"context"
	"fmt"
	"net/http"

	"github.com/authctl/authctl/pkg/ory/retry"
)

// RegisterClient creates the OAuth2 client through Hydra's admin API, or
// replaces it when it exists (Hydra's PUT keeps nothing the body leaves
// out, and a public client has no secret to keep); created reports which.
// It is `kubeconfig setup`'s writer, on the same admin calls as
// bootstrap's client sync, and the client gets the same ownership marker
// (metadata.managed_by: authctl). One attempt per call, as a person waits.
func RegisterClient(ctx context.Context, hc *http.Client, adminURL string, client map[string]any) (created bool, err error) {
	id, _ := client["client_id"].(string)
	md, _ := client["metadata"].(map[string]any)
	desired := make(map[string]any, len(client))
	for k, v := range client {
		desired[k] = v
	}
	desired["metadata"] = withMarker(md)
	body, err := toSDKClient(desired)
	if err != nil {
		return false, fmt.Errorf("could not encode client %q: %w", id, err)
	}
	h := &hydraAdmin{api: newAPIClient(adminURL, hc, nil), retry: retry.Policy{Attempts: 1}}
	cur, err := h.get(ctx, id)
	if err != nil {
		return false, fmt.Errorf("could not read client %q: %w", id, err)
	}
	if cur == nil {
		err, created = h.create(ctx, body), true
	} else {
		err = h.set(ctx, id, body)
	}
	if err != nil {
		return false, fmt.Errorf("could not register client %q: %w", id, err)
	}
	return created, nil
}
