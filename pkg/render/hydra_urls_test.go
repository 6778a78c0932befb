package render_test

import (
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// Hydra sends logins and consents to the login UI at the UI host whether
// authctl runs that UI or the team brings its own (ui.enabled: false, as
// Kratos' flows already assume). Only without Kratos and without the UI is
// there no login UI to name.
func TestHydraLoginURLsFollowTheLoginUI(t *testing.T) {
	for _, tc := range []struct {
		name, components string
		want             bool
	}{
		{"ui and kratos", "{}", true},
		{"own ui (ui disabled)", "{ui: {enabled: false}}", true},
		{"no kratos, no ui", "{ui: {enabled: false}, kratos: {enabled: false}}", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := profile.Parse("p.yaml", "", []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev, namespace: auth}\nspec:\n  domain: dev.example.com\n  components: "+tc.components+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			urls := render.HydraConfig(p)["urls"].(map[string]any)
			login, hasLogin := urls["login"]
			consent, hasConsent := urls["consent"]
			if hasLogin != tc.want || hasConsent != tc.want {
				t.Fatalf("urls.login set %v, urls.consent set %v, want %v: %v", hasLogin, hasConsent, tc.want, urls)
			}
			if tc.want && (login != "https://auth.dev.example.com/login" || consent != "https://auth.dev.example.com/consent") {
				t.Errorf("login %v, consent %v: want the UI host's /login and /consent", login, consent)
			}
		})
	}
}
