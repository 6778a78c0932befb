package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

func versionSlug(v string) string { return strings.ReplaceAll(strings.TrimPrefix(v, "v"), ".", "-") }

// Values is the data the templates see as .Values: one typed tree, with
// camelCase keys throughout (the wiring included, through its json tags).
// It goes to the templates as plain maps (a JSON round trip), as Helm's
// engine expects.
type Values struct {
	Name      string         `json:"name"`
	Namespace string         `json:"namespace"`
	ManagedBy string         `json:"managedBy"`
	Wiring    profile.Wiring `json:"wiring"`
	// ConfigMaps are the generated ConfigMaps' names (model.go).
	ConfigMaps configMapNames   `json:"configMaps"`
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
func values(m *model, managedBy string) (map[string]any, error) {
	v, err := buildValues(m)
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

func buildValues(m *model) (*Values, error) {
	p, w, rules := m.p, m.w, m.rules
	s := p.Spec
	secrets := m.names.Secrets
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
		for _, c := range m.components {
			var keys []externalSecretKey
			for _, k := range ComponentSecretKeys(p, c) {
				keys = append(keys, externalSecretKey{SecretKey: k, RemoteKey: e.RemoteKeyPrefix + c + "/" + k})
			}
			external.Items = append(external.Items, externalSecretItem{Component: c, Name: secrets[c], Keys: keys})
		}
		external.StoreName, external.StoreKind, external.RefreshInterval = e.StoreRef.Name, e.StoreRef.Kind, e.RefreshInterval
	}
	gw, err := buildGatewayValues(m)
	if err != nil {
		return nil, err
	}
	kubernetes, err := buildKubernetesValues(m)
	if err != nil {
		return nil, err
	}
	csrfName := p.Metadata.Name + "_csrf"
	if w.Scheme == "https" {
		csrfName = "__Host-" + csrfName
	}
	return &Values{
		Name:       p.Metadata.Name,
		Namespace:  p.Metadata.Namespace,
		Wiring:     w,
		ConfigMaps: m.names.ConfigMaps,
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
		UI:         buildUIValues(m, csrfName),
		Kubernetes: kubernetes,
	}, nil
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
