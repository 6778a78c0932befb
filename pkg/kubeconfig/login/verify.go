package login

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// Decoded is a JWT's header and claims, not verified.
type Decoded struct {
	Header map[string]any `json:"header"`
	Claims map[string]any `json:"claims"`
}

// Decode splits a JWT and decodes its header and claims without checking
// anything.
func Decode(raw string) (*Decoded, error) {
	parts := strings.Split(strings.TrimSpace(raw), ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT: expected 3 dot-separated parts, got %d", len(parts))
	}
	var d Decoded
	for i, out := range []*map[string]any{&d.Header, &d.Claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, fmt.Errorf("not a JWT: part %d is not base64url: %w", i+1, err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("not a JWT: part %d is not JSON: %w", i+1, err)
		}
	}
	return &d, nil
}

// Verify checks a JWT the way the API server does: the signature against
// the issuer's JWKS, iss, aud (audience), exp and nbf. o supplies the
// issuer URL and the TLS trust.
func Verify(ctx context.Context, o *kubeconfig.Options, audience, raw string, now time.Time) (*Decoded, error) {
	d, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	hc, err := HTTPClient(o)
	if err != nil {
		return nil, err
	}
	ctx = oidc.ClientContext(ctx, hc)
	p, err := oidc.NewProvider(ctx, o.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("could not discover issuer %s: %w", o.IssuerURL, err)
	}
	cfg := &oidc.Config{ClientID: audience, Now: func() time.Time { return now }}
	if audience == "" {
		cfg.SkipClientIDCheck = true
	}
	if _, err := p.VerifierContext(ctx, cfg).Verify(ctx, raw); err != nil {
		return nil, fmt.Errorf("token is not valid: %w", err)
	}
	// go-oidc checks exp but not nbf.
	if nbf, ok := d.Claims["nbf"].(float64); ok && now.Add(time.Minute).Before(time.Unix(int64(nbf), 0)) {
		return nil, errors.New("token is not valid: not before " + time.Unix(int64(nbf), 0).UTC().Format(time.RFC3339))
	}
	return d, nil
}

// Checked says what Verify checked for a token it accepted, so that the
// message never claims a check that did not run: aud only with an
// audience, nbf only when the token has one.
func Checked(audience string, d *Decoded) string {
	checked := []string{"signature (issuer JWKS)", "iss", "exp"}
	var skipped []string
	if audience != "" {
		checked = append(checked, fmt.Sprintf("aud (%s)", audience))
	} else {
		skipped = append(skipped, "aud (no --audience given)")
	}
	if _, ok := d.Claims["nbf"].(float64); ok {
		checked = append(checked, "nbf")
	} else {
		skipped = append(skipped, "nbf (the token has none)")
	}
	out := strings.Join(checked, ", ") + " checked"
	if len(skipped) > 0 {
		out += "; not checked: " + strings.Join(skipped, ", ")
	}
	return out
}
