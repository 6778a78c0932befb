package render

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
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
	"ui":         {"cookieSecret", "csrfCookieSecret"},
	"oathkeeper": {"jwks.json", "headerSecret"},
}

// ComponentSecretKeys is SecretKeys[component] plus the keys the profile
// adds: the Hydra Secret holds the token hook's API key (tokenHookKey)
// when the token hook is rendered.
func ComponentSecretKeys(p *profile.Profile, component string) []string {
	keys := SecretKeys[component]
	if component == "hydra" && TokenHookEnabled(p) {
		keys = append(slices.Clone(keys), TokenHookSecretKey)
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

// values builds the data the templates see as .Values.
func values(p *profile.Profile, rules *RuleSet) (map[string]any, error) {
	w := p.Wiring()
	s := p.Spec
	secrets := secretNames(p)
	oidc := []any{}
	var providers []map[string]any
	for _, op := range s.Kratos.OIDCProviders {
		env := "OIDC_" + profile.EnvName(op.ID) + "_CLIENT_SECRET"
		oidc = append(oidc, map[string]any{"env": env, "secret": op.ClientSecretRef.Name, "key": op.ClientSecretRef.Key})
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
	var smtp any
	if r := s.Kratos.Courier.SMTPURISecretRef; r != nil {
		smtp = map[string]any{"name": r.Name, "key": r.Key}
	}
	var rulesFiles []any
	for _, f := range rules.Files {
		b, err := json.MarshalIndent(f.Rules, "", "  ")
		if err != nil {
			return nil, err
		}
		rulesFiles = append(rulesFiles, map[string]any{"configMap": f.ConfigMap, "path": f.Path, "json": string(b) + "\n"})
	}
	oathkeeperReplicas := s.Scaling.Replicas
	external := map[string]any{}
	if s.Secrets.Policy == "externalSecret" {
		e := s.Secrets.ExternalSecret
		var items []any
		for _, c := range enabledComponents(p) {
			var keys []any
			for _, k := range ComponentSecretKeys(p, c) {
				keys = append(keys, map[string]any{"secretKey": k, "remoteKey": e.RemoteKeyPrefix + c + "/" + k})
			}
			items = append(items, map[string]any{"component": c, "name": secrets[c], "keys": keys})
		}
		external = map[string]any{"storeName": e.StoreRef.Name, "storeKind": e.StoreRef.Kind, "refreshInterval": e.RefreshInterval, "items": items}
	}
	gw, err := gatewayValues(p, rules)
	if err != nil {
		return nil, err
	}
	kubernetes, err := kubernetesValues(p)
	if err != nil {
		return nil, err
	}
	csrfName := p.Metadata.Name + "_csrf"
	if w.Scheme == "https" {
		csrfName = "__Host-" + csrfName
	}
	v := map[string]any{
		"name":      p.Metadata.Name,
		"namespace": p.Metadata.Namespace,
		"wiring":    w,
		"components": map[string]any{
			"kratos":     profile.On(s.Components.Kratos.Enabled),
			"hydra":      profile.On(s.Components.Hydra.Enabled),
			"oathkeeper": profile.On(s.Components.Oathkeeper.Enabled),
			"ui":         profile.On(s.Components.UI.Enabled),
		},
		"images": map[string]any{
			"kratos":     s.Components.Kratos.Image.Ref(),
			"hydra":      s.Components.Hydra.Image.Ref(),
			"oathkeeper": s.Components.Oathkeeper.Image.Ref(),
			"ui":         s.Components.UI.Image.Ref(),
			"authctl":    AuthctlImage,
		},
		"ports": map[string]any{
			"kratosPublic": profile.KratosPublicPort, "kratosAdmin": profile.KratosAdminPort,
			"hydraPublic": profile.HydraPublicPort, "hydraAdmin": profile.HydraAdminPort,
			"oathkeeperProxy": profile.OathkeeperProxyPort, "oathkeeperAPI": profile.OathkeeperAPIPort,
			"oathkeeperMetrics": profile.OathkeeperMetricPort, "ui": profile.UIPort,
			"authz": profile.AuthzPort,
		},
		"paths": map[string]any{
			"kratosConfig": kratosConfigDir, "kratosSchemas": kratosSchemaDir, "hydraConfig": hydraConfigDir,
			"oathkeeperConfig": oathkeeperConfigDir, "oathkeeperRules": oathkeeperRulesDir,
			"oathkeeperKeys": oathkeeperKeysDir, "sqlite": sqliteDir,
		},
		"database": map[string]any{
			"mode":             s.Database.Mode,
			"size":             s.Database.SQLite.Size,
			"storageClassName": s.Database.SQLite.StorageClassName,
			"kratos":           map[string]any{"name": s.Database.External.Kratos.Name, "key": s.Database.External.Kratos.Key},
			"hydra":            map[string]any{"name": s.Database.External.Hydra.Name, "key": s.Database.External.Hydra.Key},
		},
		"scaling": map[string]any{
			"replicas":           s.Scaling.Replicas,
			"oathkeeperReplicas": oathkeeperReplicas,
			"maxReplicas":        s.Scaling.MaxReplicas,
			"targetCPU":          s.Scaling.TargetCPUUtilization,
			"pdb":                profile.On(s.Scaling.PodDisruptionBudget),
		},
		"secrets": map[string]any{
			"policy":     s.Secrets.Policy,
			"kratos":     secrets["kratos"],
			"hydra":      secrets["hydra"],
			"ui":         secrets["ui"],
			"oathkeeper": secrets["oathkeeper"],
			"external":   external,
		},
		"kratos": map[string]any{
			"versionSlug":       versionSlug(profile.KratosVersion),
			"smtp":              smtp,
			"oidcProviders":     oidc,
			"oidcProvidersJSON": providersJSON,
		},
		"hydra": map[string]any{
			"versionSlug": versionSlug(profile.HydraVersion),
		},
		"oathkeeper": map[string]any{
			"rulesConfigMap":   p.Metadata.Name + "-oathkeeper-rules",
			"rulesFile":        rulesFileName,
			"rulesFiles":       rulesFiles,
			"headerSecret":     rules.UsesHeaderSecret,
			"gatewaySecretEnv": GatewaySecretEnv,
			"rulesMode":        s.Oathkeeper.Rules,
			"maesterRules":     maesterRules(p, rules),
			"authz":            usesAuthz(p),
		},
		"gateway":    gw,
		"ui":         map[string]any{"csrfCookieName": csrfName},
		"kubernetes": kubernetes,
	}
	// Round-trip through JSON so templates see plain maps, lists and strings,
	// with struct fields (the wiring) under their Go names.
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
		name := strings.ReplaceAll(r.ID, ":", "-")
		out = append(out, map[string]any{"name": name, "spec": spec})
	}
	return out
}

// usesAuthz reports whether a service needs the group-check endpoint.
func usesAuthz(p *profile.Profile) bool {
	for _, s := range p.Spec.Services {
		if len(s.RequiredGroups) > 0 {
			return true
		}
	}
	return false
}

// mapperJsonnet is the claims mapper for social sign-in. It takes the
// email only when the provider verified it, and with a hosted domain it
// rejects accounts from any other Google Workspace.
func mapperJsonnet(provider, hostedDomain string) string {
	verified := "'email' in claims && claims.email_verified"
	if provider == "github" {
		// GitHub returns only verified primary addresses.
		verified = "'email' in claims"
	}
	src := "local claims = std.extVar('claims');\n"
	if hostedDomain != "" {
		src += fmt.Sprintf("assert 'hd' in claims && claims.hd == %q : 'only %s accounts may sign in';\n", hostedDomain, hostedDomain)
	}
	src += `{
  identity: {
    traits: {
      [if ` + verified + ` then 'email' else null]: claims.email,
      [if 'name' in claims then 'name' else null]: claims.name,
    },
  },
}
`
	return base64Std(src)
}
