package profile_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
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
	// The whole struct: a field added to Wiring without a value here fails,
	// and each wrong field is named.
	want := profile.Wiring{
		Name: "dev", Namespace: "dev", Scheme: "https", CookieDomain: "example.com",
		AuthHost: "auth.example.com", KratosHost: "id.example.com", HydraHost: "oauth.example.com",

		UIURL:           "https://auth.example.com",
		KratosPublicURL: "https://id.example.com/",
		IssuerURL:       "https://oauth.example.com/",
		LoginURL:        "https://auth.example.com/login",
		RegistrationURL: "https://auth.example.com/registration",
		ConsentURL:      "https://auth.example.com/consent",
		LogoutURL:       "https://auth.example.com/logout",
		ErrorURL:        "https://auth.example.com/error",
		SettingsURL:     "https://auth.example.com/settings",
		RecoveryURL:     "https://auth.example.com/recovery",
		VerificationURL: "https://auth.example.com/verification",
		StepUpURL:       "https://auth.example.com/step-up",
		ForbiddenURL:    "https://auth.example.com/forbidden",

		KratosPublicService:    "dev-kratos-public",
		KratosAdminService:     "dev-kratos-admin",
		HydraPublicService:     "dev-hydra-public",
		HydraAdminService:      "dev-hydra-admin",
		OathkeeperProxyService: "dev-oathkeeper-proxy",
		OathkeeperAPIService:   "dev-oathkeeper-api",
		UIService:              "dev-ui",

		KratosPublicInternalURL:  "http://dev-kratos-public.dev.svc.cluster.local:4433",
		KratosAdminInternalURL:   "http://dev-kratos-admin.dev.svc.cluster.local:4434",
		HydraPublicInternalURL:   "http://dev-hydra-public.dev.svc.cluster.local:4444",
		HydraAdminInternalURL:    "http://dev-hydra-admin.dev.svc.cluster.local:4445",
		OathkeeperAPIInternalURL: "http://dev-oathkeeper-api.dev.svc.cluster.local:4456",
		CheckSessionURL:          "http://dev-kratos-public.dev.svc.cluster.local:4433/sessions/whoami",
		AuthzService:             "dev-authz",
		AuthzURL:                 "http://dev-authz.dev.svc.cluster.local:4480/authorize",
		TokenHookService:         "dev-token-hook",
		TokenHookURL:             "http://dev-token-hook.dev.svc.cluster.local:4460/token-hook",
		KubectlRedirectURIs:      []string{"http://127.0.0.1:18000/callback", "http://127.0.0.1:18001/callback", "https://auth.example.com/kubectl/code"},
		KubectlCodeURL:           "https://auth.example.com/kubectl/code",
		OathkeeperAPIHost:        "dev-oathkeeper-api.dev.svc.cluster.local",

		KratosAdminPeers:          []string{"bootstrap", "hydra", "token-hook", "ui"},
		HydraAdminPeers:           []string{"bootstrap", "kratos", "ui"},
		OathkeeperAPIPeers:        []string{},
		OathkeeperAPINamespaces:   []string{},
		OathkeeperProxyOpen:       true,
		OathkeeperProxyNamespaces: []string{},
		HydraCORSOrigins:          []string{},
		ProtectedReturnURLs:       []string{},
		ClusterDomain:             "cluster.local",
	}
	got := p.Wiring()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		if wv.Field(i).IsZero() {
			t.Errorf("Wiring.%s has no expected value in this test (got %q)", name, gv.Field(i).Interface())
			continue
		}
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("Wiring.%s = %q, want %q", name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

// errorCase is one invalid profile and substrings of its error.
type errorCase struct {
	name, input string
	want        []string
}

// errorCases has a row for every check of validate.go (TestEveryCheckHasARow
// fails when one has none), plus decoding errors.
var errorCases = []errorCase{
	{"unknown top-level field", header + "  colour: red\n", []string{"p.yaml:7:3:", `unknown field "colour"`, "allowed fields:"}},
	{"unknown nested field", header + "  kratos:\n    method: [password]\n", []string{"p.yaml:8:5:", "spec.kratos.method", `unknown field "method"`, "methods"}},
	{"wrong type", header + "  scaling:\n    replicas: three\n", []string{"p.yaml:8:15:", "spec.scaling.replicas", "expected a whole number"}},
	{"wrong kind", header + "  kratos:\n    methods: password\n", []string{"p.yaml:8:14:", "expected a list"}},
	{"unknown method", header + "  kratos:\n    methods: [password, sms]\n", []string{"p.yaml:8:25:", "spec.kratos.methods[1]", `unknown value "sms"`, "allowed: password, totp, webauthn, passkey"}},
	{"bad cluster name", header + "  kubernetes:\n    clusters: [dev, Prod]\n", []string{"p.yaml:8:21:", "spec.kubernetes.clusters[1]", `invalid cluster name "Prod"`, "use a DNS label"}},
	{"cluster twice", header + "  kubernetes:\n    clusters: [dev, dev]\n", []string{"spec.kubernetes.clusters[1]", `cluster "dev" is listed twice`}},
	{"clusters without hook", header + "  kubernetes:\n    clusters: [dev]\n  components:\n    hydra:\n      enabled: false\n", []string{"spec.kubernetes.clusters", "clusters need the token hook"}},
	{"bad cluster domain", header + "  clusterDomain: Cluster_Local\n", []string{"p.yaml:7:18:", "spec.clusterDomain", `invalid cluster domain "Cluster_Local"`, "for example cluster.local"}},
	{"bad url", header + "  kratos:\n    allowedReturnURLs: [\"ftp//x\"]\n", []string{"p.yaml:8:25:", "spec.kratos.allowedReturnURLs[0]", "bad URL"}},
	{"duplicate hosts", header + "  hosts:\n    auth: login.example.com\n    kratos: login.example.com\n", []string{"p.yaml:9:13:", "spec.hosts.kratos", "already used by spec.hosts.auth"}},
	{"host outside domain", header + "  hosts:\n    hydra: auth.other.org\n", []string{"p.yaml:8:12:", "outside the domain"}},
	{"bad duration", header + "  kratos:\n    sessionLifespan: forever\n", []string{"p.yaml:8:22:", "invalid duration"}},
	{"bad enum", header + "  hydra:\n    accessTokenStrategy: paseto\n", []string{"p.yaml:8:26:", "allowed: jwt, opaque"}},
	{"wrong apiVersion", strings.Replace(header, "v1alpha1", "v9", 1), []string{"p.yaml:1:13:", "apiVersion", "allowed: authctl.dev/v1alpha1"}},
	{"bad name", strings.Replace(header, "name: dev", "name: Dev_Stack", 1), []string{"p.yaml:4:9:", `metadata.name: invalid value "Dev_Stack"`, "lower-case letters"}},
	{"bad namespace", strings.Replace(header, "name: dev", "name: dev\n  namespace: Bad_NS", 1), []string{"p.yaml:5:14:", `metadata.namespace: invalid namespace "Bad_NS"`}},
	{"bad cors origin", header + "  hydra:\n    corsAllowedOrigins: [\"https://app.example.com/path\"]\n", []string{"p.yaml:8:", "spec.hydra.corsAllowedOrigins[0]: bad origin"}},
	{"sqlite with replicas", header + "  scaling:\n    replicas: 3\n", []string{"p.yaml:8:5:", "sqlite supports a single replica", "spec.database.mode: external"}},
	{"oidc without secret ref", header + "  kratos:\n    oidcProviders:\n      - id: google\n        provider: google\n        clientID: x\n        clientSecretRef: {name: \"\"}\n", []string{"p.yaml:12:33:", "clientSecretRef.name", "secrets never go in the profile"}},
	{"field set twice", header + "  domain: other.com\n", []string{"p.yaml:7:3:", "set twice"}},
	{"yaml syntax", header + "  kratos: [\n", []string{"p.yaml:", "fix the YAML syntax"}},
	{"missing schema file", header + "  kratos:\n    identitySchemas:\n      - id: staff\n        file: nope.json\n", []string{"p.yaml:10:15:", "could not read schema"}},
	{"empty", "", []string{"the file is empty"}},
	{"wrong kind", strings.Replace(header, "kind: Profile", "kind: Stack", 1), []string{"p.yaml:2:7:", "kind", "allowed: Profile"}},
	{"bad domain", strings.Replace(header, "domain: example.com", "domain: not_a_domain", 1), []string{"p.yaml:6:11:", "spec.domain: invalid domain \"not_a_domain\""}},
	{"passwordless without webauthn", header + "  kratos:\n    methods: [password]\n    webauthn: {passwordless: true}\n", []string{"p.yaml:9:30:", "spec.kratos.webauthn.passwordless", "without the webauthn method"}},
	{"no first factor", header + "  kratos:\n    methods: [webauthn, totp]\n", []string{"p.yaml:8:14:", "spec.kratos.methods", "no first factor"}},
	{"missing domain", strings.Replace(header, "  domain: example.com\n", "  components: {}\n", 1), []string{"p.yaml:6:3:", "spec.domain: required field is missing (the public hosts derive from it"}},
	{"bad host", header + "  hosts:\n    auth: \"-x-.example.com\"\n", []string{"p.yaml:8:11:", "spec.hosts.auth: invalid host \"-x-.example.com\""}},
	{"bad digest", header + "  components:\n    hydra:\n      image: {digest: \"sha256:abc\"}\n", []string{"p.yaml:9:23:", `spec.components.hydra.image.digest: invalid value "sha256:abc"`}},
	{"first-party clients of Ory's UI", header + "  ui:\n    implementation: ory\n    firstPartyClients: [kubectl]\n", []string{"p.yaml:9:24:", "spec.ui.firstPartyClients: first-party clients are a setting of the built-in UI", "skip_consent"}},
	{"ui without kratos", header + "  components:\n    kratos: {enabled: false}\n", []string{"p.yaml:", "spec.components.ui.enabled: the self-service UI needs Kratos"}},
	{"external database without kratos Secret", header + "  database:\n    mode: external\n    external:\n      kratos: {name: \"\"}\n      hydra: {name: hydra-dsn}\n", []string{"p.yaml:10:22:", "spec.database.external.kratos.name: missing Secret name", "holds the DSN"}},
	{"external database without hydra Secret", header + "  database:\n    mode: external\n    external:\n      kratos: {name: kratos-dsn}\n", []string{"p.yaml:", "spec.database.external.hydra.name: missing Secret name", "holds the DSN"}},
	{"maxReplicas below replicas", header + "  components:\n    hydra: {enabled: false}\n  database:\n    mode: external\n    external:\n      kratos: {name: kratos-dsn}\n  scaling:\n    replicas: 2\n    maxReplicas: 1\n", []string{"p.yaml:15:18:", "spec.scaling.maxReplicas: maxReplicas 1 is below replicas 2"}},
	{"method twice", header + "  kratos:\n    methods: [password, totp, password]\n", []string{"p.yaml:8:31:", "spec.kratos.methods[2]: method \"password\" is listed twice"}},
	{"oidc method without providers", header + "  kratos:\n    methods: [password, oidc]\n", []string{"p.yaml:8:14:", "spec.kratos.methods: method oidc needs at least one provider"}},
	{"bad provider id", header + oidcProvider("Google_1", "google", "x", "s", ""), []string{"p.yaml:9:13:", "spec.kratos.oidcProviders[0].id: invalid provider id \"Google_1\""}},
	{"provider id twice", header + oidcProvider("google", "google", "x", "s", "") + "      - {id: google, provider: github, clientID: y, clientSecretRef: {name: t}}\n", []string{"p.yaml:13:14:", "spec.kratos.oidcProviders[1].id: provider id \"google\" is used twice"}},
	{"provider without clientID", header + oidcProvider("google", "google", "", "s", ""), []string{"p.yaml:11:19:", "spec.kratos.oidcProviders[0].clientID: missing clientID"}},
	{"generic provider without issuer", header + oidcProvider("corp", "generic", "x", "s", ""), []string{"p.yaml:", "spec.kratos.oidcProviders[0].issuerURL: missing issuerURL"}},
	{"provider issuer over http", header + oidcProvider("corp", "generic", "x", "s", "http://sso.corp.example/"), []string{"p.yaml:13:20:", "spec.kratos.oidcProviders[0].issuerURL: bad URL", "scheme must be https"}},
	{"bad schema id", header + "  kratos:\n    identitySchemas:\n      - {id: Staff, inline: \"{}\"}\n", []string{"p.yaml:9:14:", "spec.kratos.identitySchemas[0].id: invalid schema id \"Staff\""}},
	{"schema id twice", header + "  kratos:\n    identitySchemas:\n      - {id: staff, inline: \"{}\"}\n      - {id: staff, inline: \"{}\"}\n", []string{"p.yaml:10:14:", "spec.kratos.identitySchemas[1].id: schema id \"staff\" is used twice"}},
	{"schema with file and inline", header + "  kratos:\n    identitySchemas:\n      - {id: staff, inline: \"{}\", file: s.json}\n", []string{"p.yaml:9:9:", "spec.kratos.identitySchemas[0]: an identity schema needs file or inline"}},
	{"schema with neither", header + "  kratos:\n    identitySchemas:\n      - {id: staff}\n", []string{"p.yaml:9:9:", "an identity schema needs file or inline"}},
	{"schema not JSON", header + "  kratos:\n    identitySchemas:\n      - {id: staff, inline: \"{not json\"}\n", []string{"p.yaml:9:29:", "spec.kratos.identitySchemas[0].inline: invalid JSON"}},
	{"SMTP Secret without name", header + "  kratos:\n    courier:\n      smtpURISecretRef: {name: \"\"}\n", []string{"p.yaml:9:32:", "spec.kratos.courier.smtpURISecretRef.name: missing Secret name", "SMTP URI"}},
	{"hydra lifespan not positive", header + "  hydra:\n    lifespans:\n      idToken: 0s\n", []string{"p.yaml:9:16:", "spec.hydra.lifespans.idToken: duration \"0s\" must be positive"}},
	{"hydra lifespan not a duration", header + "  hydra:\n    lifespans:\n      refreshToken: 30d\n", []string{"p.yaml:9:21:", "spec.hydra.lifespans.refreshToken: invalid duration \"30d\""}},
	{"existingSecret missing one", header + "  secrets:\n    policy: existingSecret\n    existingSecret: {kratos: k, hydra: h, ui: u}\n", []string{"p.yaml:9:21:", "spec.secrets.existingSecret.oathkeeper: missing Secret name"}},
	{"externalSecret without store name", header + "  secrets:\n    policy: externalSecret\n    externalSecret:\n      storeRef: {name: \"\", kind: ClusterSecretStore}\n", []string{"p.yaml:10:24:", "spec.secrets.externalSecret.storeRef.name: missing store name"}},
	{"enum through an alias", header + "  kratos:\n    allowedReturnURLs: [&x paseto]\n  hydra:\n    accessTokenStrategy: *x\n", []string{"p.yaml:8:25:", "spec.hydra.accessTokenStrategy", `unknown value "paseto"`, "allowed: jwt, opaque"}},
	{"enum list through an alias", header + "  kratos:\n    methods: &m [password]\n  services:\n    - {name: a, hosts: [a.example.com], upstream: {url: \"http://u:80\"}, allow: [session], methods: *m}\n", []string{"spec.services[0].methods[0]", `unknown value "password"`, "allowed: GET, HEAD"}},
	{"enum item through an alias", header + "  kratos:\n    allowedReturnURLs: [&x sms]\n    methods: [password, *x]\n", []string{"spec.kratos.methods[1]", `unknown value "sms"`}},
	{"empty patch", header + "  patches:\n    - patch: \"  \"\n", []string{"p.yaml:8:14:", "spec.patches[0].patch: empty patch"}},
	// Found by FuzzParse: kustomize used to refuse these only at render time.
	{"patch that is not YAML", header + "  patches:\n    - target: {kind: Deployment, name: dev-hydra}\n      patch: |\n        - op: replace\n          vals: [a: 1\n", []string{"p.yaml:9:14:", "spec.patches[0].patch: the patch is not YAML", "give a strategic-merge patch"}},
	{"JSON 6902 patch without target", header + "  patches:\n    - patch: |\n        - {op: remove, path: /spec/replicas}\n", []string{"spec.patches[0].patch: a JSON 6902 patch needs a target"}},
	{"JSON 6902 patch with a bad op", header + "  patches:\n    - target: {kind: Deployment}\n      patch: |\n        - {op: delete, path: /spec/replicas}\n", []string{`operation 0: op "delete" is not one of add`}},
	{"JSON 6902 replace without value", header + "  patches:\n    - target: {kind: Deployment}\n      patch: |\n        - {op: replace, path: /spec/replicas}\n", []string{"operation 0: replace needs a value"}},
	{"flow list that is not JSON", header + "  patches:\n    - target: {kind: Deployment}\n      patch: \"[{op: remove, path: /spec/replicas}]\"\n", []string{"a patch that starts with [ is read as JSON"}},
	{"strategic-merge patch without kind", header + "  patches:\n    - target: {kind: Deployment, name: dev-hydra}\n      patch: |\n        metadata: {name: x}\n        spec: {replicas: 2}\n", []string{"a strategic-merge patch needs kind and metadata.name"}},
	{"patch that is a scalar", header + "  patches:\n    - patch: \"just text\"\n", []string{"a patch is a strategic-merge object or a list of JSON 6902 operations"}},
}

func oidcProvider(id, provider, clientID, secret, issuer string) string {
	s := "  kratos:\n    oidcProviders:\n      - id: " + id + "\n        provider: " + provider + "\n        clientID: \"" + clientID + "\"\n        clientSecretRef: {name: " + secret + "}\n"
	if issuer != "" {
		s += "        issuerURL: " + issuer + "\n"
	}
	return s
}

// TestErrors checks that bad input is reported at file:line:col with what
// is allowed.
func TestErrors(t *testing.T) {
	for _, tc := range errorCases {
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

// TestSchemaCoversEveryField walks the profile's Go types: every field the
// loader accepts must be a property of its object in the JSON Schema, every
// object must reject unknown properties, and every enum the loader enforces
// must be the schema's enum, so that editors and the loader agree.
func TestSchemaCoversEveryField(t *testing.T) {
	out, err := profile.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Ref  string                     `json:"$ref"`
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(out, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Ref != "#/$defs/Profile" {
		t.Fatalf("root $ref = %q", schema.Ref)
	}
	type prop struct {
		Enum  []string `json:"enum"`
		Items *struct {
			Enum []string `json:"enum"`
		} `json:"items"`
	}
	type def struct {
		Properties           map[string]prop `json:"properties"`
		AdditionalProperties *bool           `json:"additionalProperties"`
	}
	seen := map[reflect.Type]bool{}
	fields := 0
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		raw, ok := schema.Defs[typ.Name()]
		if !ok {
			t.Errorf("schema has no definition for %s", typ.Name())
			return
		}
		var d def
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.AdditionalProperties == nil || *d.AdditionalProperties {
			t.Errorf("%s: the schema allows unknown properties; the loader rejects them", typ.Name())
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			fields++
			p, ok := d.Properties[name]
			if !ok {
				t.Errorf("%s.%s: the schema has no property %q", typ.Name(), f.Name, name)
				continue
			}
			want := profile.FieldEnum(f)
			got := p.Enum
			if p.Items != nil {
				got = p.Items.Enum
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s.%s: schema enum %v, loader enum %v", typ.Name(), f.Name, got, want)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(profile.Profile{}))
	if fields < 100 {
		t.Fatalf("walked only %d fields", fields)
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

// An alias of a service that holds a long list, repeated many times,
// expands quadratically. The decoder stops at a budget instead of walking
// every expanded node (an 83 KB file took 12 s before the budget).
func TestAliasExpansionIsBounded(t *testing.T) {
	const n = 1000
	var hosts, refs strings.Builder
	for i := range n {
		fmt.Fprintf(&hosts, "h%d.example.com, ", i)
		refs.WriteString("    - *s\n")
	}
	doc := header + "  services:\n    - &s {name: a, hosts: [" + hosts.String() + "], upstream: {url: \"http://u:80\"}, allow: [session]}\n" + refs.String()
	_, err := profile.Parse("p.yaml", t.TempDir(), []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "aliases expand to too many nodes (a profile may reuse an anchor") {
		t.Fatalf("err = %.300v", err)
	}
	if !strings.Contains(err.Error(), "p.yaml:") {
		t.Fatalf("no position: %.300v", err)
	}
}

// The alias seeds of FuzzParse must reach the aliases: their errors come
// from typed fields set through aliases, not from an unknown field at the
// top. alias-bomb decodes, so validation runs on the expanded services;
// alias-typed-errors shows the decoder's type and enum checks through
// aliases.
func TestAliasSeedsReachTypedFields(t *testing.T) {
	for seed, wants := range map[string][]string{
		"alias-bomb": {
			`spec.services[1].name: name "a" is already used by spec.services[0]`,
			`spec.services[3]: service "a" matches exactly the requests of "a"`,
			`spec.services[4]: service "b" is unreachable: every request it matches is also matched by "a"`,
		},
		"alias-typed-errors": {
			`spec.hydra.lifespans.refreshToken: got a list`,
			`spec.services[0].methods[0]: unknown value "password"`,
			`spec.patches[0].patch: got a mapping`,
		},
	} {
		t.Run(seed, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/fuzz/FuzzParse/" + seed)
			if err != nil {
				t.Fatal(err)
			}
			_, lit, _ := strings.Cut(string(raw), "[]byte(")
			doc, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(lit), ")"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = profile.Parse("p.yaml", t.TempDir(), []byte(doc))
			if err == nil {
				t.Fatal("the seed parses")
			}
			for _, want := range wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("no %q in:\n%v", want, err)
				}
			}
			if strings.Contains(err.Error(), "unknown field") {
				t.Errorf("the seed stops at an unknown field:\n%v", err)
			}
		})
	}
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
