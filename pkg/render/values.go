package render

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/serve/ui"
)

// SchemaFile is one identity schema as mounted into Kratos.
type SchemaFile struct {
	ID       string
	FileName string
	Content  []byte
}

// defaultIdentitySchema is used when the profile names none: an email
// identifier usable by every login method, and a name.
const defaultIdentitySchema = `{
  "$id": "https://schemas.authctl.dev/identity/default.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Person",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string",
          "format": "email",
          "title": "E-Mail",
          "maxLength": 320,
          "ory.sh/kratos": {
            "credentials": {
              "password": {"identifier": true},
              "webauthn": {"identifier": true},
              "passkey": {"display_name": true},
              "totp": {"account_name": true},
              "code": {"identifier": true, "via": "email"}
            },
            "recovery": {"via": "email"},
            "verification": {"via": "email"}
          }
        },
        "name": {
          "type": "string",
          "title": "Name",
          "maxLength": 256
        }
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
}
`

// SchemaFiles returns the identity schemas of the profile, or the default.
func SchemaFiles(p *profile.Profile) []SchemaFile {
	if len(p.Spec.Kratos.IdentitySchemas) == 0 {
		return []SchemaFile{{ID: "default", FileName: "default.schema.json", Content: []byte(defaultIdentitySchema)}}
	}
	var out []SchemaFile
	for _, s := range p.Spec.Kratos.IdentitySchemas {
		content := []byte(s.Inline)
		if s.File != "" {
			// Validation already read the file once; read errors surface there.
			if data, err := os.ReadFile(p.ResolvePath(s.File)); err == nil {
				content = data
			}
		}
		out = append(out, SchemaFile{ID: s.ID, FileName: s.ID + ".schema.json", Content: content})
	}
	return out
}

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

func versionSlug(v string) string { return strings.ReplaceAll(strings.TrimPrefix(v, "v"), ".", "-") }

// Values is the data the templates see as .Values: one typed tree, with
// camelCase keys throughout (the wiring included, through its json tags).
// It goes to the templates as plain maps (a JSON round trip), as Helm's
// engine expects.
type Values struct {
	Name       string           `json:"name"`
	Namespace  string           `json:"namespace"`
	ManagedBy  string           `json:"managedBy"`
	Wiring     profile.Wiring   `json:"wiring"`
	Components componentValues  `json:"components"`
	Images     imageValues      `json:"images"`
	Ports      portValues       `json:"ports"`
	Paths      pathValues       `json:"paths"`
	Database   databaseValues   `json:"database"`
	Scaling    scalingValues    `json:"scaling"`
	Secrets    secretValues     `json:"secrets"`
	Kratos     kratosValues     `json:"kratos"`
	Hydra      hydraValues      `json:"hydra"`
	Oathkeeper oathkeeperValues `json:"oathkeeper"`
	Gateway    gatewayValues    `json:"gateway"`
	UI         uiValues         `json:"ui"`
	Kubernetes kubernetesValues `json:"kubernetes"`
}

type componentValues struct {
	Kratos     bool `json:"kratos"`
	Hydra      bool `json:"hydra"`
	Oathkeeper bool `json:"oathkeeper"`
	UI         bool `json:"ui"`
}

type imageValues struct {
	Kratos     string `json:"kratos"`
	Hydra      string `json:"hydra"`
	Oathkeeper string `json:"oathkeeper"`
	UI         string `json:"ui"`
	Authctl    string `json:"authctl"`
}

type portValues struct {
	KratosPublic      int `json:"kratosPublic"`
	KratosAdmin       int `json:"kratosAdmin"`
	HydraPublic       int `json:"hydraPublic"`
	HydraAdmin        int `json:"hydraAdmin"`
	OathkeeperProxy   int `json:"oathkeeperProxy"`
	OathkeeperAPI     int `json:"oathkeeperAPI"`
	OathkeeperMetrics int `json:"oathkeeperMetrics"`
	UI                int `json:"ui"`
	Authz             int `json:"authz"`
}

type pathValues struct {
	KratosConfig     string `json:"kratosConfig"`
	KratosSchemas    string `json:"kratosSchemas"`
	HydraConfig      string `json:"hydraConfig"`
	OathkeeperConfig string `json:"oathkeeperConfig"`
	OathkeeperRules  string `json:"oathkeeperRules"`
	OathkeeperKeys   string `json:"oathkeeperKeys"`
	SQLite           string `json:"sqlite"`
}

// secretKeyValue names one key of a Secret.
type secretKeyValue struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

type databaseValues struct {
	Mode             string         `json:"mode"`
	Size             string         `json:"size"`
	StorageClassName string         `json:"storageClassName"`
	Kratos           secretKeyValue `json:"kratos"`
	Hydra            secretKeyValue `json:"hydra"`
}

type scalingValues struct {
	Replicas           int  `json:"replicas"`
	OathkeeperReplicas int  `json:"oathkeeperReplicas"`
	MaxReplicas        int  `json:"maxReplicas"`
	TargetCPU          int  `json:"targetCPU"`
	PDB                bool `json:"pdb"`
}

type secretValues struct {
	Policy     string                `json:"policy"`
	Kratos     string                `json:"kratos"`
	Hydra      string                `json:"hydra"`
	UI         string                `json:"ui"`
	Oathkeeper string                `json:"oathkeeper"`
	External   externalSecretsValues `json:"external"`
}

// externalSecretsValues is empty unless the policy is externalSecret.
type externalSecretsValues struct {
	StoreName       string               `json:"storeName,omitempty"`
	StoreKind       string               `json:"storeKind,omitempty"`
	RefreshInterval string               `json:"refreshInterval,omitempty"`
	Items           []externalSecretItem `json:"items,omitempty"`
}

type externalSecretItem struct {
	Component string              `json:"component"`
	Name      string              `json:"name"`
	Keys      []externalSecretKey `json:"keys"`
}

type externalSecretKey struct {
	SecretKey string `json:"secretKey"`
	RemoteKey string `json:"remoteKey"`
}

// oidcSecretValue is the environment variable that carries one OIDC
// provider's client secret, and the Secret key it comes from.
type oidcSecretValue struct {
	Env    string `json:"env"`
	Secret string `json:"secret"`
	Key    string `json:"key"`
}

type kratosValues struct {
	VersionSlug       string            `json:"versionSlug"`
	SMTP              *secretKeyValue   `json:"smtp"`
	OIDCProviders     []oidcSecretValue `json:"oidcProviders"`
	OIDCProvidersJSON string            `json:"oidcProvidersJSON"`
}

type hydraValues struct {
	VersionSlug string `json:"versionSlug"`
}

type rulesFileValue struct {
	ConfigMap string `json:"configMap"`
	Path      string `json:"path"`
	JSON      string `json:"json"`
}

type oathkeeperValues struct {
	RulesConfigMap   string           `json:"rulesConfigMap"`
	RulesFile        string           `json:"rulesFile"`
	RulesFiles       []rulesFileValue `json:"rulesFiles"`
	HeaderSecret     bool             `json:"headerSecret"`
	GatewaySecretEnv string           `json:"gatewaySecretEnv"`
	RulesMode        string           `json:"rulesMode"`
	MaesterRules     []any            `json:"maesterRules"`
	Maester          *maesterValues   `json:"maester"`
	Authz            bool             `json:"authz"`
}

// uiValues are the self-service UI Deployment's: the built-in UI runs
// authctl's image with Args; Ory's image reads the environment instead.
type uiValues struct {
	Builtin        bool     `json:"builtin"`
	CSRFCookieName string   `json:"csrfCookieName"`
	Args           []string `json:"args"`
	CSRFSecretEnv  string   `json:"csrfSecretEnv"`
}

// values builds the data the templates see as .Values.
func values(p *profile.Profile, rules *RuleSet, managedBy string) (map[string]any, error) {
	v, err := buildValues(p, rules)
	if err != nil {
		return nil, err
	}
	v.ManagedBy = managedBy
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("could not encode values: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("could not encode values: %w", err)
	}
	return out, nil
}

func buildValues(p *profile.Profile, rules *RuleSet) (*Values, error) {
	w := p.Wiring()
	s := p.Spec
	secrets := secretNames(p)
	oidc := []oidcSecretValue{}
	var providers []map[string]any
	for _, op := range s.Kratos.OIDCProviders {
		env := "OIDC_" + profile.EnvName(op.ID) + "_CLIENT_SECRET"
		oidc = append(oidc, oidcSecretValue{Env: env, Secret: op.ClientSecretRef.Name, Key: op.ClientSecretRef.Key})
		// Kratos' own config keys (snake_case): data, not template values.
		pr := map[string]any{
			"id":            op.ID,
			"provider":      op.Provider,
			"client_id":     op.ClientID,
			"client_secret": "$(" + env + ")",
			"scope":         op.Scope,
			"mapper_url":    "base64://" + mapperJsonnet(op.Provider, op.HostedDomain),
		}
		if op.IssuerURL != "" {
			pr["issuer_url"] = op.IssuerURL
		}
		// Kratos labels the button with the provider's id ("Sign in with
		// google") unless the provider has a label.
		if l := providerLabels[op.Provider]; l != "" {
			pr["label"] = l
		}
		if op.HostedDomain != "" {
			pr["requested_claims"] = map[string]any{"id_token": map[string]any{"email": map[string]any{"essential": true}}}
		}
		providers = append(providers, pr)
	}
	providersJSON := ""
	if len(providers) > 0 {
		b, err := json.Marshal(providers)
		if err != nil {
			return nil, err
		}
		providersJSON = string(b)
	}
	var smtp *secretKeyValue
	if r := s.Kratos.Courier.SMTPURISecretRef; r != nil {
		smtp = &secretKeyValue{Name: r.Name, Key: r.Key}
	}
	var rulesFiles []rulesFileValue
	for _, f := range rules.Files {
		b, err := json.MarshalIndent(f.Rules, "", "  ")
		if err != nil {
			return nil, err
		}
		rulesFiles = append(rulesFiles, rulesFileValue{ConfigMap: f.ConfigMap, Path: f.Path, JSON: string(b) + "\n"})
	}
	var external externalSecretsValues
	if s.Secrets.Policy == "externalSecret" {
		e := s.Secrets.ExternalSecret
		for _, c := range enabledComponents(p) {
			var keys []externalSecretKey
			for _, k := range ComponentSecretKeys(p, c) {
				keys = append(keys, externalSecretKey{SecretKey: k, RemoteKey: e.RemoteKeyPrefix + c + "/" + k})
			}
			external.Items = append(external.Items, externalSecretItem{Component: c, Name: secrets[c], Keys: keys})
		}
		external.StoreName, external.StoreKind, external.RefreshInterval = e.StoreRef.Name, e.StoreRef.Kind, e.RefreshInterval
	}
	gw, err := buildGatewayValues(p, rules)
	if err != nil {
		return nil, err
	}
	kubernetes, err := buildKubernetesValues(p)
	if err != nil {
		return nil, err
	}
	csrfName := p.Metadata.Name + "_csrf"
	if w.Scheme == "https" {
		csrfName = "__Host-" + csrfName
	}
	return &Values{
		Name:      p.Metadata.Name,
		Namespace: p.Metadata.Namespace,
		Wiring:    w,
		Components: componentValues{
			Kratos:     profile.On(s.Components.Kratos.Enabled),
			Hydra:      profile.On(s.Components.Hydra.Enabled),
			Oathkeeper: profile.On(s.Components.Oathkeeper.Enabled),
			UI:         profile.On(s.Components.UI.Enabled),
		},
		Images: imageValues{
			Kratos:     s.Components.Kratos.Image.Ref(),
			Hydra:      s.Components.Hydra.Image.Ref(),
			Oathkeeper: s.Components.Oathkeeper.Image.Ref(),
			UI:         uiImage(p),
			Authctl:    AuthctlImage,
		},
		Ports: portValues{
			KratosPublic: profile.KratosPublicPort, KratosAdmin: profile.KratosAdminPort,
			HydraPublic: profile.HydraPublicPort, HydraAdmin: profile.HydraAdminPort,
			OathkeeperProxy: profile.OathkeeperProxyPort, OathkeeperAPI: profile.OathkeeperAPIPort,
			OathkeeperMetrics: profile.OathkeeperMetricPort, UI: profile.UIPort,
			Authz: profile.AuthzPort,
		},
		Paths: pathValues{
			KratosConfig: kratosConfigDir, KratosSchemas: kratosSchemaDir, HydraConfig: hydraConfigDir,
			OathkeeperConfig: oathkeeperConfigDir, OathkeeperRules: oathkeeperRulesDir,
			OathkeeperKeys: oathkeeperKeysDir, SQLite: sqliteDir,
		},
		Database: databaseValues{
			Mode:             s.Database.Mode,
			Size:             s.Database.SQLite.Size,
			StorageClassName: s.Database.SQLite.StorageClassName,
			Kratos:           secretKeyValue{Name: s.Database.External.Kratos.Name, Key: s.Database.External.Kratos.Key},
			Hydra:            secretKeyValue{Name: s.Database.External.Hydra.Name, Key: s.Database.External.Hydra.Key},
		},
		Scaling: scalingValues{
			Replicas:           s.Scaling.Replicas,
			OathkeeperReplicas: s.Scaling.Replicas,
			MaxReplicas:        s.Scaling.MaxReplicas,
			TargetCPU:          s.Scaling.TargetCPUUtilization,
			PDB:                profile.On(s.Scaling.PodDisruptionBudget),
		},
		Secrets: secretValues{
			Policy:     s.Secrets.Policy,
			Kratos:     secrets["kratos"],
			Hydra:      secrets["hydra"],
			UI:         secrets["ui"],
			Oathkeeper: secrets["oathkeeper"],
			External:   external,
		},
		Kratos: kratosValues{
			VersionSlug:       versionSlug(profile.KratosVersion),
			SMTP:              smtp,
			OIDCProviders:     oidc,
			OIDCProvidersJSON: providersJSON,
		},
		Hydra: hydraValues{VersionSlug: versionSlug(profile.HydraVersion)},
		Oathkeeper: oathkeeperValues{
			RulesConfigMap:   p.Metadata.Name + "-oathkeeper-rules",
			RulesFile:        rulesFileName,
			RulesFiles:       rulesFiles,
			HeaderSecret:     rules.UsesHeaderSecret,
			GatewaySecretEnv: GatewaySecretEnv,
			RulesMode:        s.Oathkeeper.Rules,
			MaesterRules:     maesterRules(p, rules),
			Maester:          maesterController(p),
			Authz:            usesAuthz(p),
		},
		Gateway:    gw,
		UI:         buildUIValues(p, csrfName),
		Kubernetes: kubernetes,
	}, nil
}

// uiImage is the UI's image: authctl's own for the built-in UI, else
// spec.components.ui.image (Ory's kratos-selfservice-ui-node by default).
func uiImage(p *profile.Profile) string {
	if p.Spec.UI.Implementation == "builtin" {
		return AuthctlImage
	}
	return p.Spec.Components.UI.Image.Ref()
}

// buildUIValues gives the built-in UI its flags: where it reaches Kratos
// and Hydra, where browsers reach Kratos, and the profile's settings.
func buildUIValues(p *profile.Profile, csrfName string) uiValues {
	s, w := p.Spec, p.Wiring()
	v := uiValues{Builtin: s.UI.Implementation == "builtin", CSRFCookieName: csrfName, CSRFSecretEnv: ui.CSRFSecretEnv}
	if !v.Builtin {
		return v
	}
	v.Args = []string{
		"serve", "ui",
		fmt.Sprintf("--listen=:%d", profile.UIPort),
		"--kratos-public-url=" + w.KratosPublicInternalURL,
		"--kratos-browser-url=" + w.KratosPublicURL,
	}
	if profile.On(s.Components.Hydra.Enabled) {
		v.Args = append(v.Args, "--hydra-admin-url="+w.HydraAdminInternalURL, "--kratos-admin-url="+w.KratosAdminInternalURL)
	}
	v.Args = append(v.Args, "--product-name="+s.UI.ProductName)
	for _, c := range s.UI.FirstPartyClients {
		v.Args = append(v.Args, "--first-party-client="+c)
	}
	if profile.On(s.Kratos.Registration) {
		v.Args = append(v.Args, "--registration")
	}
	if s.Kratos.Courier.SMTPURISecretRef != nil {
		v.Args = append(v.Args, "--recovery")
	}
	c := s.Kubernetes.Claims
	v.Args = append(v.Args, "--csrf-cookie-name="+csrfName,
		"--email-field="+cmp.Or(c.Email, "traits.email"), "--groups-field="+cmp.Or(c.Groups, "metadata_public.groups"),
		"--groups-scope="+cmp.Or(c.GroupsScope, "groups"))
	return v
}

// AuthctlImage runs authctl's own in-cluster helpers. The tag follows the
// release that rendered the stack.
var AuthctlImage = "ghcr.io/authctl/authctl:v0.1.0"

// maesterRules turns the access rules into oathkeeper-maester Rule specs.
// Maester names a rule "<name>.<namespace>", so the object names carry the
// rule's identity.
func maesterRules(p *profile.Profile, rs *RuleSet) []any {
	var out []any
	for _, f := range rs.Files {
		out = append(out, maesterRuleSpecs(f)...)
	}
	return out
}

// maesterRuleSpecs are the Rule objects of one rules file; maester writes
// them into the file's ConfigMap.
func maesterRuleSpecs(f RulesFile) []any {
	var out []any
	for _, r := range f.Rules {
		spec := map[string]any{
			"match":          map[string]any{"url": r.Match.URL, "methods": r.Match.Methods},
			"authenticators": r.Authenticators,
			"authorizer":     r.Authorizer,
			"mutators":       r.Mutators,
			"configMapName":  f.ConfigMap,
		}
		if len(r.Errors) > 0 {
			spec["errors"] = r.Errors
		}
		if r.Upstream != nil {
			spec["upstream"] = map[string]any{"url": r.Upstream.URL, "preserveHost": r.Upstream.PreserveHost}
		}
		out = append(out, map[string]any{"name": MaesterRuleName(r.ID), "spec": spec})
	}
	return out
}

// usesAuthz reports whether a service needs the group and assurance-level
// check endpoint.
func usesAuthz(p *profile.Profile) bool {
	for _, s := range p.Spec.Services {
		if len(s.RequiredGroups) > 0 || s.MFA == profile.MFARequired {
			return true
		}
	}
	return false
}

// mapperJsonnet is the claims mapper for social sign-in. It takes the
// email only when the provider verified it, and then as a verified address;
// with a hosted domain it rejects accounts from any other Google Workspace.
func mapperJsonnet(provider, hostedDomain string) string {
	verified := "'email' in claims && claims.email_verified"
	if provider == "github" {
		// GitHub returns only verified primary addresses.
		verified = "'email' in claims"
	}
	src := "local claims = std.extVar('claims');\n"
	if hostedDomain != "" {
		src += fmt.Sprintf("assert 'hd' in claims && claims.hd == %q : 'Only %s accounts may sign in here.';\n", hostedDomain, hostedDomain)
	}
	// verified_addresses (Kratos' selfservice/strategy/oidc
	// VerifiedAddressesKey) marks the address verified at registration, so
	// the gateway forwards it and kubectl maps it, as for a colleague an
	// admin vouched for.
	src += `{
  identity: {
    traits: {
      [if ` + verified + ` then 'email' else null]: claims.email,
      [if 'name' in claims then 'name' else null]: claims.name,
    },
    [if ` + verified + ` then 'verified_addresses' else null]: [{ value: claims.email, via: 'email' }],
  },
}
`
	return base64Std(src)
}
