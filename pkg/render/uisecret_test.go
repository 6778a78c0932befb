package render_test

import (
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// TestUISecretHoldsWhatTheUIReads: the UI Secret holds exactly the keys
// the UI's pod reads, whichever the policy. The built-in UI reads only
// csrfCookieSecret (its one cookie of its own); cookieSecret is Ory UI's
// COOKIE_SECRET and is rendered, listed for existingSecret and fetched by
// the ExternalSecret only with spec.ui.implementation: ory.
func TestUISecretHoldsWhatTheUIReads(t *testing.T) {
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const head = "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: x, namespace: ns}\nspec:\n  domain: example.com\n"
	policies := map[string]string{
		"generate":       "",
		"existingSecret": "  secrets:\n    policy: existingSecret\n    existingSecret: {kratos: k, hydra: h, ui: u, oathkeeper: o}\n",
		"externalSecret": "  secrets:\n    policy: externalSecret\n    externalSecret: {storeRef: {name: vault}, remoteKeyPrefix: auth/}\n",
	}
	for _, impl := range []string{"builtin", "ory"} {
		want := []string{"csrfCookieSecret"}
		if impl == "ory" {
			want = []string{"cookieSecret", "csrfCookieSecret"}
		}
		for policy, extra := range policies {
			t.Run(impl+"/"+policy, func(t *testing.T) {
				p, err := profile.Parse("p.yaml", t.TempDir(), []byte(head+"  ui: {implementation: "+impl+"}\n"+extra))
				if err != nil {
					t.Fatal(err)
				}
				res, err := render.Render(render.Options{Profile: p, Secrets: sf})
				if err != nil {
					t.Fatal(err)
				}
				read := uiPodReads(t, res)
				slices.Sort(read)
				if !slices.Equal(read, want) {
					t.Fatalf("the UI pod reads %v, want %v", read, want)
				}
				var held []string
				switch policy {
				case "generate":
					for _, o := range res.Objects {
						if o.Kind == "Secret" && strings.HasPrefix(o.Name, "x-ui-") { // x-ui-<hash>
							var s struct{ Data map[string]string }
							if err := yaml.Unmarshal(o.YAML, &s); err != nil {
								t.Fatal(err)
							}
							for k := range s.Data {
								held = append(held, k)
							}
						}
					}
				case "existingSecret":
					for _, sc := range render.SecretsToCreate(p) {
						if sc.Name == "u" {
							held = sc.Keys
							if strings.Contains(sc.Command, "cookieSecret=") != (impl == "ory") {
								t.Errorf("kubectl line %q", sc.Command)
							}
						}
					}
				case "externalSecret":
					for _, o := range res.Objects {
						if o.Kind == "ExternalSecret" && strings.HasSuffix(o.Name, "-ui") {
							var es struct {
								Spec struct{ Data []struct{ SecretKey string } }
							}
							if err := yaml.Unmarshal(o.YAML, &es); err != nil {
								t.Fatal(err)
							}
							for _, d := range es.Spec.Data {
								held = append(held, d.SecretKey)
							}
						}
					}
				}
				slices.Sort(held)
				if !slices.Equal(held, want) {
					t.Fatalf("the UI Secret holds %v, the UI pod reads %v", held, want)
				}
			})
		}
	}
}

// uiPodReads lists the Secret keys the UI Deployment's containers read.
func uiPodReads(t *testing.T, res *render.Result) []string {
	t.Helper()
	var keys []string
	for _, o := range res.Objects {
		if o.Kind != "Deployment" || o.Name != "x-ui" {
			continue
		}
		var d struct {
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Env []struct {
								ValueFrom *struct {
									SecretKeyRef *struct{ Key string } `json:"secretKeyRef"`
								} `json:"valueFrom"`
							}
						}
					}
				}
			}
		}
		if err := yaml.Unmarshal(o.YAML, &d); err != nil {
			t.Fatal(err)
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					keys = append(keys, e.ValueFrom.SecretKeyRef.Key)
				}
			}
		}
	}
	if keys == nil {
		t.Fatal("no UI Deployment x-ui reading a Secret")
	}
	return keys
}
