package render_test

import (
	"slices"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// TestComponentSecretKeys: each component's Secret holds SecretKeys, plus
// the token hook's key in Hydra's while the hook runs (kubernetes on) and
// Ory UI's cookie key in the UI's only for that implementation.
func TestComponentSecretKeys(t *testing.T) {
	for _, c := range []struct {
		name, extra, component, key string
		want                        bool
	}{
		{"token hook on", "", "hydra", render.TokenHookSecretKey, true},
		{"token hook off", "  kubernetes:\n    enabled: false\n", "hydra", render.TokenHookSecretKey, false},
		{"built-in ui", "", "ui", render.OryUICookieSecretKey, false},
		{"ory ui", "  ui:\n    implementation: ory\n", "ui", render.OryUICookieSecretKey, true},
	} {
		p, err := profile.Parse("p.yaml", t.TempDir(), []byte(schemaHeader+c.extra))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		keys := render.ComponentSecretKeys(p, c.component)
		for _, k := range render.SecretKeys[c.component] {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: %s lacks %s", c.name, c.component, k)
			}
		}
		if slices.Contains(keys, c.key) != c.want {
			t.Errorf("%s: %s keys %v, %s wanted: %v", c.name, c.component, keys, c.key, c.want)
		}
	}
}
