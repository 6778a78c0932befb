package render_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/golden"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// aliasProfile is a valid profile that sets typed fields through anchors
// and aliases (scalars, lists and whole mappings), so that the decoder's
// alias following and yaml.v3's alias expansion both run, and the
// mutations the fuzzer makes stay near valid profiles.
const aliasProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata: {name: &name dev, namespace: *name}
spec:
  domain: &domain example.com
  components:
    kratos: &component {image: {tag: &tag v1.3.1}}
    hydra: *component
  kratos:
    methods: &methods [password, totp]
    allowedReturnURLs: &urls ["https://grafana.example.com/", "https://wiki.example.com/"]
    sessionLifespan: &life 24h
  hydra:
    lifespans: {accessToken: &short 1h, idToken: *short, refreshToken: *life, authCode: 10m}
  services:
    - &grafana
      name: grafana
      hosts: &hosts [grafana.example.com, metrics.example.com]
      paths: &paths [/api, /d]
      methods: &get [GET, HEAD]
      upstream: &upstream {url: "http://grafana.monitoring:3000"}
      allow: &allow [session]
      requiredGroups: &groups [admins, ops]
    - name: wiki
      hosts: [wiki.example.com]
      paths: *paths
      methods: *get
      upstream: *upstream
      allow: *allow
      requiredGroups: *groups
    - name: grafana-write
      hosts: *hosts
      paths: *paths
      methods: [POST, PUT]
      upstream: *upstream
      allow: [session]
      requiredGroups: [admins]
  gateway: {target: ingress, ingressClassName: nginx, tlsSecretName: example-com-tls}
`

// FuzzParse: a profile the loader accepts renders, and renders twice to
// the same bytes; its warnings and Secrets to create are worked out. Inputs the loader rejects are fine; a panic, a render
// error for an accepted profile or two different renders are not.
// Its seeds are every example (so a plain go test shows each example
// renders byte-identically twice) and an alias-heavy profile. A render
// costs tens of milliseconds: the fuzzer spends most iterations on inputs
// the loader rejects within microseconds.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no examples: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(aliasProfile))
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		f.Fatal(err)
	}
	// The examples' identity schema files resolve against their directory.
	dir, err := filepath.Abs("../../examples")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := profile.Parse("fuzz.yaml", dir, data)
		if err != nil {
			return
		}
		var out [2][]byte
		for i := range out {
			res, err := render.Render(render.Options{Profile: p, Secrets: sf})
			// Whether a patch matches an object is known only once the
			// objects exist: render names the patch at its position.
			var fe *profile.FieldError
			if errors.As(err, &fe) && strings.HasPrefix(fe.Path, "spec.patches[") && fe.Pos.Line > 0 {
				return
			}
			if err != nil {
				t.Fatalf("the loader accepted the profile but rendering failed: %v\n%s", err, data)
			}
			var buf bytes.Buffer
			if err := res.WriteStream(&buf); err != nil {
				t.Fatal(err)
			}
			out[i] = buf.Bytes()
		}
		if !bytes.Equal(out[0], out[1]) {
			t.Fatalf("two renders of one profile differ:\n%s", golden.Diff("first render", out[0], out[1]))
		}
		// What validate and doctor say of an accepted profile: its
		// warnings, and each Secret to create with the line that creates it.
		_ = p.Warnings()
		for _, sc := range render.SecretsToCreate(p) {
			if sc.Name == "" || len(sc.Keys) == 0 || !strings.HasPrefix(sc.Command, "kubectl -n "+sc.Namespace+" create secret ") {
				t.Fatalf("Secret to create %+v\n%s", sc, data)
			}
		}
	})
}

// The alias seed must be a valid profile, or the fuzzer would start from
// inputs the loader rejects before any alias is followed.
func TestAliasSeedIsValidAndExpanded(t *testing.T) {
	p, err := profile.Parse("alias.yaml", t.TempDir(), []byte(aliasProfile))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	if p.Metadata.Namespace != "dev" || s.Components.Hydra.Image.Tag != "v1.3.1" || s.Hydra.Lifespans.RefreshToken != "24h" ||
		len(s.Services) != 3 || len(s.Services[1].RequiredGroups) != 2 || s.Services[2].Hosts[1] != "metrics.example.com" ||
		s.Services[1].Upstream.URL != "http://grafana.monitoring:3000" {
		t.Fatalf("aliases not expanded: %+v", p)
	}
}
