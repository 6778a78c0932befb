package render_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// Hydra authenticates to the token hook with an API key that exists only
// in the Hydra Secret: the config carries the auth block with an empty
// value, Hydra's env and the hook's env read the same Secret key.
func TestTokenHookKeyFromSecret(t *testing.T) {
	res := renderExample(t, "../../examples/minimal.yaml")
	sf, _ := secrets.Load("testdata/test-secrets.yaml")
	var hydraSecret string
	var hydraEnv, hookEnv string
	for _, o := range res.Objects {
		switch {
		case o.Kind == "Secret" && strings.HasPrefix(o.Name, "dev-hydra-"):
			hydraSecret = o.Name
			if !strings.Contains(string(o.YAML), "tokenHookKey: ") {
				t.Fatalf("the Hydra Secret has no tokenHookKey:\n%s", o.YAML)
			}
		case o.Kind == "ConfigMap" && strings.HasPrefix(o.Name, "dev-hydra-config-"):
			var cm struct{ Data map[string]string }
			_ = yaml.Unmarshal(o.YAML, &cm)
			var cfg map[string]any
			_ = yaml.Unmarshal([]byte(cm.Data["hydra.yaml"]), &cfg)
			hook, _ := cfg["oauth2"].(map[string]any)["token_hook"].(map[string]any)
			auth, _ := hook["auth"].(map[string]any)
			c, _ := auth["config"].(map[string]any)
			if auth["type"] != "api_key" || c["in"] != "header" || c["name"] != "X-Authctl-Hook-Key" || c["value"] != "" {
				t.Fatalf("token_hook = %v", hook)
			}
		case o.Kind == "Deployment" && o.Name == "dev-hydra":
			hydraEnv = string(o.YAML)
		case o.Kind == "Deployment" && o.Name == "dev-token-hook":
			hookEnv = string(o.YAML)
		}
	}
	for name, y := range map[string]string{"hydra": hydraEnv, "token hook": hookEnv} {
		env := map[string]string{"hydra": render.TokenHookKeyEnv, "token hook": "AUTHCTL_TOKEN_HOOK_KEY"}[name]
		want := "- name: " + env + "\n          valueFrom:\n            secretKeyRef:\n              key: tokenHookKey\n              name: " + hydraSecret
		if hydraSecret == "" || !strings.Contains(y, want) {
			t.Fatalf("%s Deployment lacks %q:\n%s", name, want, y)
		}
		if strings.Contains(y, sf.Hydra.TokenHookKey) {
			t.Fatalf("%s Deployment holds the key itself", name)
		}
	}
}

// The key is never invented at render time: an old secrets file without
// it fails with the command that adds it.
func TestTokenHookKeyMissingFails(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sf, _ := secrets.Load("testdata/test-secrets.yaml")
	sf.Hydra.TokenHookKey = ""
	_, err = render.Render(render.Options{Profile: p, Secrets: sf})
	if err == nil || !strings.Contains(err.Error(), "hydra.tokenHookKey") || !strings.Contains(err.Error(), "authctl secrets generate") {
		t.Fatalf("err = %v", err)
	}
}

// existingSecret and externalSecret: the Hydra Secret must hold the key.
func TestTokenHookKeyInExternalSecret(t *testing.T) {
	res := renderExample(t, "../../examples/external-secrets.yaml")
	for _, o := range res.Objects {
		if o.Kind == "ExternalSecret" && strings.HasSuffix(o.Name, "-hydra") {
			if !strings.Contains(string(o.YAML), "secretKey: tokenHookKey") {
				t.Fatalf("the Hydra ExternalSecret lacks tokenHookKey:\n%s", o.YAML)
			}
			return
		}
	}
	t.Fatal("no Hydra ExternalSecret")
}
