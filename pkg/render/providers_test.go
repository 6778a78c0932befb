package render_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// TestProviderButtonsCarryTheProvidersName: Kratos labels a social
// sign-in button with the provider's id unless the config has a label;
// the render gives Google its name ("Sign in with Google", seen in
// TestBrowserSocialSignInRegistrationOff).
func TestProviderButtonsCarryTheProvidersName(t *testing.T) {
	res := renderExample(t, filepath.Join("..", "..", "examples", "staff-sso.yaml"))
	for _, o := range res.Objects {
		if o.Kind != "Deployment" || !strings.HasSuffix(o.Name, "-kratos") {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal(o.YAML, &d); err != nil {
			t.Fatal(err)
		}
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.Name != "SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS" {
				continue
			}
			var providers []map[string]any
			if err := json.Unmarshal([]byte(e.Value), &providers); err != nil {
				t.Fatal(err)
			}
			if len(providers) != 1 || providers[0]["label"] != "Google" {
				t.Fatalf("providers %v, want google labelled Google", providers)
			}
			return
		}
	}
	t.Fatal("no Kratos Deployment with SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS")
}
