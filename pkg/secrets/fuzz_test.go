package secrets

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// FuzzParse: a secrets file is parsed with the profile's strict decoder.
// Any input is refused with an error located in the file, or accepted; an
// accepted file survives Save's encoding unchanged and stays valid, so a
// rewrite by `secrets generate` never loses or breaks a secret (or the
// encoder refuses to write it).
func FuzzParse(f *testing.F) {
	fixture, err := os.ReadFile("../render/testdata/test-secrets.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixture)
	f.Add([]byte("apiVersion: authctl.dev/v1alpha1\nkind: Secrets\nkratos:\n  cipher: [short-cipher]\n"))
	f.Add([]byte("apiVersion: authctl.dev/v1alpha1\nkind: Secrets\nkratos: {default: &d [0123456789abcdefX], cookie: *d}\nhydra: {system: *d, cookie: *d}\nui: {cookie: \"0123456789abcdefX\"}\n"))
	f.Add([]byte("apiVersion: authctl.dev/v1alpha1\nkind: Secrets\noathkeeper: {jwks: '{\"keys\":[]}'}\nkratoz: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := Parse("s.yaml", data)
		if err != nil {
			if !strings.Contains(err.Error(), "s.yaml") {
				t.Fatalf("error without location: %v", err)
			}
			return
		}
		out, err := sf.Marshal()
		if err != nil {
			if !strings.Contains(err.Error(), "cannot be written faithfully") {
				t.Fatalf("an accepted file does not encode: %v", err)
			}
			return
		}
		back, err := Parse("s.yaml", out)
		if err != nil {
			t.Fatalf("an accepted file is refused after encoding: %v\n%s", err, out)
		}
		a, _ := json.Marshal(sf)
		b, _ := json.Marshal(back)
		if string(a) != string(b) {
			t.Fatalf("encoding changed the secrets:\nbefore %s\nafter  %s", a, b)
		}
	})
}
