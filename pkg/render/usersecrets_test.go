package render_test

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// referencedSecrets walks the rendered objects for every Secret they read
// (env secretKeyRef and secretRef, secret and projected volumes, an
// Ingress's or a Gateway's certificate) with the keys read, minus the
// Secrets the render itself makes (Secret objects, ExternalSecret targets).
func referencedSecrets(t *testing.T, res *render.Result) map[string][]string {
	t.Helper()
	refs := map[string][]string{}
	made := map[string]bool{}
	ref := func(name, key string) {
		if name == "" {
			return
		}
		if _, ok := refs[name]; !ok {
			refs[name] = []string{}
		}
		if key != "" && !slices.Contains(refs[name], key) {
			refs[name] = append(refs[name], key)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["secretKeyRef"].(map[string]any); ok {
				name, _ := r["name"].(string)
				key, _ := r["key"].(string)
				ref(name, key)
			}
			if r, ok := x["secretRef"].(map[string]any); ok {
				name, _ := r["name"].(string)
				ref(name, "")
			}
			if s, ok := x["secret"].(map[string]any); ok { // a volume or a projected source
				name, _ := s["secretName"].(string)
				if name == "" {
					name, _ = s["name"].(string)
				}
				ref(name, "")
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	for _, o := range res.Objects {
		var doc map[string]any
		if err := yaml.Unmarshal(o.YAML, &doc); err != nil {
			t.Fatal(err)
		}
		switch o.Kind {
		case "Secret":
			made[o.Name] = true
		case "ExternalSecret":
			made[o.Name] = true
			if n, ok := doc["spec"].(map[string]any)["target"].(map[string]any)["name"].(string); ok {
				made[n] = true
			}
		case "Ingress":
			tls, _ := doc["spec"].(map[string]any)["tls"].([]any)
			for _, e := range tls {
				name, _ := e.(map[string]any)["secretName"].(string)
				ref(name, "tls.crt")
				ref(name, "tls.key")
			}
		case "Gateway":
			listeners, _ := doc["spec"].(map[string]any)["listeners"].([]any)
			for _, l := range listeners {
				tls, _ := l.(map[string]any)["tls"].(map[string]any)
				certs, _ := tls["certificateRefs"].([]any)
				for _, c := range certs {
					name, _ := c.(map[string]any)["name"].(string)
					ref(name, "tls.crt")
					ref(name, "tls.key")
				}
			}
		}
		walk(doc)
	}
	for n := range made {
		delete(refs, n)
	}
	return refs
}

// TestSecretsToCreateIsWhatTheRenderReads: for every example and for
// profiles with each kind of user Secret, SecretsToCreate names exactly the
// Secrets the rendered objects read that the render does not make, with
// every key they read, and a kubectl line with a placeholder for each key
// and no value.
func TestSecretsToCreateIsWhatTheRenderReads(t *testing.T) {
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type input struct{ name, file, yaml string }
	var inputs []input
	for _, f := range examples(t) {
		inputs = append(inputs, input{name: filepath.Base(f), file: f})
	}
	const head = "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: x, namespace: ns}\nspec:\n  domain: example.com\n"
	inputs = append(inputs,
		input{name: "existingSecret, cockroach, envoy-gateway, two providers in one Secret", yaml: head + `  database:
    mode: external
    external:
      driver: cockroach
      kratos: {name: db, key: kratos}
      hydra: {name: db, key: hydra}
  secrets:
    policy: existingSecret
    existingSecret: {kratos: k, hydra: h, ui: u, oathkeeper: o}
  gateway: {target: envoy-gateway, tlsSecretName: cert}
  kratos:
    courier:
      smtpURISecretRef: {name: sso}
    oidcProviders:
      - {id: google, provider: google, clientID: g, clientSecretRef: {name: sso, key: google}}
      - {id: gh, provider: github, clientID: h, clientSecretRef: {name: sso, key: github}}
`},
		input{name: "components off", yaml: head + `  components:
    ui: {enabled: false}
    hydra: {enabled: false}
  kubernetes: {enabled: false}
  database:
    mode: external
    external:
      kratos: {name: kdb}
      hydra: {name: hdb}
  secrets:
    policy: existingSecret
    existingSecret: {kratos: k, oathkeeper: o}
`},
	)
	seen := map[string]bool{}
	for _, in := range inputs {
		var p *profile.Profile
		if in.file != "" {
			p, err = profile.Load(in.file)
		} else {
			p, err = profile.Parse("p.yaml", t.TempDir(), []byte(in.yaml))
		}
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		res, err := render.Render(render.Options{Profile: p, Secrets: sf})
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		want := referencedSecrets(t, res)
		got := map[string][]string{}
		for _, sc := range render.SecretsToCreate(p) {
			got[sc.Name] = sc.Keys
			seen[sc.Type] = true
			if sc.Namespace != p.Wiring().Namespace || !strings.HasPrefix(sc.Command, "kubectl -n "+sc.Namespace+" create secret "+sc.Type+" "+sc.Name+" ") {
				t.Errorf("%s: %s: command %q", in.name, sc.Name, sc.Command)
			}
			for _, k := range sc.Keys {
				if sc.Type == "generic" && !strings.Contains(sc.Command, "="+k+"='<") && !strings.Contains(sc.Command, "="+k+"=<") {
					t.Errorf("%s: %s: no placeholder for %s in %q", in.name, sc.Name, k, sc.Command)
				}
			}
		}
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
			t.Errorf("%s: SecretsToCreate %v, the render reads %v", in.name, got, want)
			continue
		}
		for name, keys := range want {
			for _, k := range keys {
				if !slices.Contains(got[name], k) {
					t.Errorf("%s: Secret %s: the render reads key %s, the list has %v", in.name, name, k, got[name])
				}
			}
		}
	}
	if !seen["tls"] || !seen["generic"] {
		t.Errorf("the inputs cover types %v", seen)
	}
	// No value of the secrets file appears in a command.
	var all []string
	for _, in := range inputs {
		if in.file == "" {
			continue
		}
		p, _ := profile.Load(in.file)
		for _, sc := range render.SecretsToCreate(p) {
			all = append(all, sc.Command)
		}
	}
	for _, v := range secretValues(t) {
		for _, c := range all {
			if strings.Contains(c, v) {
				t.Errorf("a secret value is in %q", c)
			}
		}
	}
}
