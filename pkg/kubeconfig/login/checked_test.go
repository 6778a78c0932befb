package login

import (
	"strings"
	"testing"
)

// token verify says what it checked: no aud claim without --audience, no
// nbf claim for a token without nbf.
func TestChecked(t *testing.T) {
	withNbf := &Decoded{Claims: map[string]any{"nbf": float64(1)}}
	noNbf := &Decoded{Claims: map[string]any{}}
	for name, tc := range map[string]struct {
		aud       string
		d         *Decoded
		want, not []string
	}{
		"audience and nbf": {"kubectl", withNbf, []string{"aud (kubectl)", "nbf checked"}, nil},
		"no audience":      {"", withNbf, []string{"not checked: aud (no --audience given)"}, []string{"aud"}},
		"no nbf":           {"kubectl", noNbf, []string{"aud (kubectl)", "not checked: nbf (the token has none)"}, []string{"nbf checked"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := Checked(tc.aud, tc.d)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			claimed, _, _ := strings.Cut(got, "; not checked")
			for _, n := range tc.not {
				if strings.Contains(claimed, n) {
					t.Errorf("%q claims %q", got, n)
				}
			}
			if !strings.HasPrefix(got, "signature (issuer JWKS), iss, exp") {
				t.Errorf("%q", got)
			}
		})
	}
}
