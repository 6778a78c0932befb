package cli

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// TestTokenDecodeOutput: decode prints the header and claims as data on
// stdout; on the default -o text it also shows the times as dates on
// stderr, and -o json or yaml is the data alone.
func TestTokenDecodeOutput(t *testing.T) {
	seg := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tok := seg(map[string]any{"alg": "RS256", "kid": "k1"}) + "." + seg(map[string]any{"sub": "alice", "exp": 4102444800, "iat": 946684800}) + ".c2ln"

	out, errOut, code := run(t, "token", "decode", tok)
	if code != 0 {
		t.Fatalf("decode: %d %s", code, errOut)
	}
	var d struct{ Header, Claims map[string]any }
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.Claims["sub"] != "alice" {
		t.Fatalf("stdout %q: %v", out, err)
	}
	for _, want := range []string{"exp:      2100-01-01T00:00:00Z (in ", "iat:      2000-01-01T00:00:00Z (", " ago)", "decoded only"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	out, errOut, code = run(t, "token", "decode", tok, "-o", "yaml")
	if code != 0 || !strings.Contains(out, "sub: alice") || errOut != "" {
		t.Errorf("-o yaml: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := run(t, "token", "decode", tok, "-o", "xml"); code == 0 || !strings.Contains(errOut, `unknown -o/--output "xml"`) {
		t.Errorf("-o xml: %d %s", code, errOut)
	}
}
