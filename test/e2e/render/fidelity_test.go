package render_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestRenderedConfigsStartRealServers extracts the Kratos, Hydra and
// Oathkeeper configs from every example's ConfigMaps and starts the pinned
// real servers with them. A rejected config fails with the server's own error.
func TestRenderedConfigsStartRealServers(t *testing.T) {
	stack.Require(t)
	for _, r := range e2e.RenderExamples(t) {
		t.Run(r.Name, func(t *testing.T) {
			c := r.Profile.Spec.Components
			if profile.On(c.Kratos.Enabled) {
				t.Run("kratos", func(t *testing.T) {
					k := e2e.StartKratos(t, r, nil)
					k.Stop()
				})
			}
			if profile.On(c.Hydra.Enabled) {
				t.Run("hydra", func(t *testing.T) {
					h, err := stack.TryStartHydra(t, stack.HydraOptions{Config: e2e.HydraConfig(t, r)})
					if err != nil {
						t.Fatalf("real Hydra rejected the rendered config of %s:\n%v", r.Name, err)
					}
					e2e.LogRewrites(t, "hydra", e2e.HydraRewrites, h.Rewrites())
					h.Stop()
				})
			}
			if profile.On(c.Oathkeeper.Enabled) {
				t.Run("oathkeeper", func(t *testing.T) {
					cfg, rules := e2e.OathkeeperConfig(t, r)
					o, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: [][]byte{rules}})
					if err != nil {
						t.Fatalf("real Oathkeeper rejected the rendered config of %s:\n%v", r.Name, err)
					}
					e2e.LogRewrites(t, "oathkeeper", e2e.OathkeeperRewrites, o.Rewrites())
					o.Stop()
				})
			}
		})
	}
}

// TestBrokenRenderedKeyFailsWithServerError proves the acceptance test can
// fail: renaming one rendered key makes the real servers refuse to start,
// and the error carries their own message.
func TestBrokenRenderedKeyFailsWithServerError(t *testing.T) {
	stack.Require(t)
	r := e2e.RenderExamples(t)[0]
	t.Run("oathkeeper check_session_url", func(t *testing.T) {
		cfg, rules := e2e.OathkeeperConfig(t, r)
		// Oathkeeper validates a handler's config only when the handler is
		// enabled, so make sure it is (the rules of a session-protected
		// service enable it anyway).
		e2e.Get(cfg, "authenticators.cookie_session").(map[string]any)["enabled"] = true
		cs := e2e.Get(cfg, "authenticators.cookie_session.config").(map[string]any)
		cs["check_session_uri"] = cs["check_session_url"]
		delete(cs, "check_session_url")
		_, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: [][]byte{rules}})
		if err == nil {
			t.Fatal("Oathkeeper accepted a config with check_session_url renamed")
		}
		// Oathkeeper's schema validation names both the missing key and the
		// unknown one; "check_session_ur" alone matched either, or an echo of
		// the config.
		for _, want := range []string{`missing properties: "check_session_url"`, `additionalProperties "check_session_uri" not allowed`} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("the error does not show Oathkeeper's own complaint %q:\n%v", want, err)
			}
		}
		t.Logf("Oathkeeper's own error:\n%v", err)
	})
	t.Run("kratos oauth2_provider", func(t *testing.T) {
		cfg := e2e.KratosConfig(t, r)
		op := cfg["oauth2_provider"].(map[string]any)
		op["uri"] = op["url"]
		delete(op, "url")
		_, err := stack.TryStartKratos(t, stack.KratosOptions{Config: cfg})
		if err == nil {
			t.Fatal("Kratos accepted a config with oauth2_provider.url renamed")
		}
		// "uri" alone matched almost any message (every URL in the log).
		want := `I[#/oauth2_provider] S[#/properties/oauth2_provider/additionalProperties] additionalProperties "uri" not allowed`
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the error does not show Kratos's own complaint %q:\n%v", want, err)
		}
		t.Logf("Kratos's own error:\n%v", err)
	})
}
