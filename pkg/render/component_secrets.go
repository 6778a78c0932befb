package render

import (
	"slices"

	"github.com/authctl/authctl/pkg/profile"
)

// secretNames returns the Secret each component reads, by policy.
func secretNames(p *profile.Profile) map[string]string {
	name := p.Metadata.Name
	out := map[string]string{
		"kratos": name + "-kratos", "hydra": name + "-hydra", "ui": name + "-ui", "oathkeeper": name + "-oathkeeper",
	}
	if p.Spec.Secrets.Policy == "existingSecret" {
		e := p.Spec.Secrets.ExistingSecret
		out["kratos"], out["hydra"], out["ui"], out["oathkeeper"] = e.Kratos, e.Hydra, e.UI, e.Oathkeeper
	}
	return out
}

// SecretKeys lists the keys each component's Secret must hold. The same list
// documents existingSecret and drives ExternalSecret objects.
var SecretKeys = map[string][]string{
	"kratos":     {"secretsDefault", "secretsCookie", "secretsCipher"},
	"hydra":      {"secretsSystem", "secretsCookie"},
	"ui":         {"csrfCookieSecret"},
	"oathkeeper": {"jwks.json", "headerSecret"},
}

// OryUICookieSecretKey is the key of the UI Secret that only Ory's UI
// (spec.ui.implementation: ory) reads, as COOKIE_SECRET; the built-in UI
// has one cookie of its own, keyed by csrfCookieSecret.
const OryUICookieSecretKey = "cookieSecret"

// ComponentSecretKeys is SecretKeys[component] plus the keys the profile
// adds: the Hydra Secret holds the token hook's API key (tokenHookKey)
// when the token hook is rendered, the UI Secret Ory UI's cookieSecret
// when spec.ui.implementation is ory.
func ComponentSecretKeys(p *profile.Profile, component string) []string {
	keys := SecretKeys[component]
	if component == "hydra" && TokenHookEnabled(p) {
		keys = append(slices.Clone(keys), TokenHookSecretKey)
	}
	if component == "ui" && p.Spec.UI.Implementation == "ory" {
		keys = append([]string{OryUICookieSecretKey}, keys...)
	}
	return keys
}

func enabledComponents(p *profile.Profile) []string {
	c := p.Spec.Components
	var out []string
	for _, x := range []struct {
		name string
		on   *bool
	}{{"hydra", c.Hydra.Enabled}, {"kratos", c.Kratos.Enabled}, {"oathkeeper", c.Oathkeeper.Enabled}, {"ui", c.UI.Enabled}} {
		if profile.On(x.on) {
			out = append(out, x.name)
		}
	}
	return out
}
