package profile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

const header = "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: dev\nspec:\n  domain: example.com\n"

func TestLoadExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		if _, err := profile.Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestDefaultsAndWiring(t *testing.T) {
	p, err := profile.Parse("p.yaml", ".", []byte(header))
	if err != nil {
		t.Fatal(err)
	}
	if p.Metadata.Namespace != "dev" || p.Spec.Database.Mode != "sqlite" || p.Spec.Secrets.Policy != "generate" {
		t.Fatalf("defaults not applied: %+v", p.Spec)
	}
	w := p.Wiring()
	checks := map[string]string{
		w.IssuerURL:              "https://oauth.example.com/",
		w.KratosPublicURL:        "https://id.example.com/",
		w.LoginURL:               "https://auth.example.com/login",
		w.ConsentURL:             "https://auth.example.com/consent",
		w.CheckSessionURL:        "http://dev-kratos-public.dev.svc.cluster.local:4433/sessions/whoami",
		w.HydraAdminInternalURL:  "http://dev-hydra-admin.dev.svc.cluster.local:4445",
		w.KratosAdminInternalURL: "http://dev-kratos-admin.dev.svc.cluster.local:4434",
		w.CookieDomain:           "example.com",
	}
	for got, want := range checks {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestErrors checks that bad input is reported at file:line:col with what
// is allowed.
func TestErrors(t *testing.T) {
	cases := []struct {
		name, input string
		want        []string // substrings of the error
	}{
		{"unknown top-level field", header + "  colour: red\n", []string{"p.yaml:7:3:", `unknown field "colour"`, "allowed fields:"}},
		{"unknown nested field", header + "  kratos:\n    method: [password]\n", []string{"p.yaml:8:5:", "spec.kratos.method", `unknown field "method"`, "methods"}},
		{"wrong type", header + "  scaling:\n    replicas: three\n", []string{"p.yaml:8:15:", "spec.scaling.replicas", "expected a whole number"}},
		{"wrong kind", header + "  kratos:\n    methods: password\n", []string{"p.yaml:8:14:", "expected a list"}},
		{"unknown method", header + "  kratos:\n    methods: [password, sms]\n", []string{"p.yaml:8:25:", "spec.kratos.methods[1]", `unknown value "sms"`, "allowed: password, totp, webauthn, passkey"}},
		{"bad url", header + "  kratos:\n    allowedReturnURLs: [\"ftp//x\"]\n", []string{"p.yaml:8:25:", "spec.kratos.allowedReturnURLs[0]", "bad URL"}},
		{"duplicate hosts", header + "  hosts:\n    auth: login.example.com\n    kratos: login.example.com\n", []string{"p.yaml:9:13:", "spec.hosts.kratos", "already used by spec.hosts.auth"}},
		{"host outside domain", header + "  hosts:\n    hydra: auth.other.org\n", []string{"p.yaml:8:12:", "outside the domain"}},
		{"bad duration", header + "  kratos:\n    sessionLifespan: forever\n", []string{"p.yaml:8:22:", "invalid duration"}},
		{"bad enum", header + "  hydra:\n    accessTokenStrategy: paseto\n", []string{"p.yaml:8:26:", "allowed: jwt, opaque"}},
		{"wrong apiVersion", strings.Replace(header, "v1alpha1", "v9", 1), []string{"p.yaml:1:13:", "apiVersion", "allowed: authctl.dev/v1alpha1"}},
		{"bad name", strings.Replace(header, "name: dev", "name: Dev_Stack", 1), []string{"p.yaml:4:9:", `invalid value "Dev_Stack"`, "must match"}},
		{"sqlite with replicas", header + "  scaling:\n    replicas: 3\n", []string{"p.yaml:8:5:", "sqlite supports a single replica", "spec.database.mode: external"}},
		{"oidc without secret ref", header + "  kratos:\n    oidcProviders:\n      - id: google\n        provider: google\n        clientID: x\n        clientSecretRef: {name: \"\"}\n", []string{"p.yaml:12:33:", "clientSecretRef.name", "secrets never go in the profile"}},
		{"field set twice", header + "  domain: other.com\n", []string{"p.yaml:7:3:", "set twice"}},
		{"yaml syntax", header + "  kratos: [\n", []string{"p.yaml:", "fix the YAML syntax"}},
		{"missing schema file", header + "  kratos:\n    identitySchemas:\n      - id: staff\n        file: nope.json\n", []string{"p.yaml:10:15:", "could not read schema"}},
		{"empty", "", []string{"the file is empty"}},
		{"passwordless without webauthn", header + "  kratos:\n    methods: [password]\n    webauthn: {passwordless: true}\n", []string{"p.yaml:9:30:", "spec.kratos.webauthn.passwordless", "without the webauthn method"}},
		{"no first factor", header + "  kratos:\n    methods: [webauthn, totp]\n", []string{"p.yaml:8:14:", "spec.kratos.methods", "no first factor"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profile.Parse("p.yaml", t.TempDir(), []byte(tc.input))
			if err == nil {
				t.Fatal("want an error")
			}
			var list profile.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("want an ErrorList, got %T: %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSchemaCoversEveryField(t *testing.T) {
	out, err := profile.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"accessTokenStrategy"`, `"oidcProviders"`, `"existingSecret"`, `"enum"`, `"additionalProperties": false`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("schema lacks %s", want)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, and
// every error must carry the file name.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(header + "  kratos: {methods: [sms]}\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := profile.Parse("fuzz.yaml", t.TempDir(), data)
		if err != nil && !strings.Contains(err.Error(), "fuzz.yaml") {
			t.Fatalf("error without location: %v", err)
		}
	})
}

// TestFieldReferenceIsFresh: docs/profile-fields.md is what the types say.
func TestFieldReferenceIsFresh(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", profile.FieldReferencePath))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(profile.FieldReference()) {
		t.Errorf("%s is stale; regenerate with: go run ./hack/gendocs", profile.FieldReferencePath)
	}
}
