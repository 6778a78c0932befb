package profile

// Pinned upstream versions. Images default to these tags.
const (
	KratosVersion     = "v1.3.1"
	HydraVersion      = "v2.3.0"
	OathkeeperVersion = "v0.40.9"
	UIVersion         = "v1.3.1"
)

// Default images, by component.
var defaultImages = map[string]Image{
	"kratos":     {Repository: "docker.io/oryd/kratos", Tag: KratosVersion},
	"hydra":      {Repository: "docker.io/oryd/hydra", Tag: HydraVersion},
	"oathkeeper": {Repository: "docker.io/oryd/oathkeeper", Tag: OathkeeperVersion},
	"ui":         {Repository: "docker.io/oryd/kratos-selfservice-ui-node", Tag: UIVersion},
}

func boolPtr(b bool) *bool { return &b }

// On reports a defaulted *bool.
func On(b *bool) bool { return b != nil && *b }

func (p *Profile) applyDefaults() {
	s := &p.Spec
	if p.Metadata.Namespace == "" {
		p.Metadata.Namespace = p.Metadata.Name
	}
	if s.TLS == nil {
		s.TLS = boolPtr(true)
	}
	if s.Hosts.Auth == "" && s.Domain != "" {
		s.Hosts.Auth = "auth." + s.Domain
	}
	if s.Hosts.Kratos == "" && s.Domain != "" {
		s.Hosts.Kratos = "id." + s.Domain
	}
	if s.Hosts.Hydra == "" && s.Domain != "" {
		s.Hosts.Hydra = "oauth." + s.Domain
	}
	for name, c := range map[string]*Component{"kratos": &s.Components.Kratos, "hydra": &s.Components.Hydra, "oathkeeper": &s.Components.Oathkeeper, "ui": &s.Components.UI} {
		if c.Enabled == nil {
			c.Enabled = boolPtr(true)
		}
		def := defaultImages[name]
		if c.Image.Repository == "" {
			c.Image.Repository = def.Repository
		}
		if c.Image.Tag == "" && c.Image.Digest == "" {
			c.Image.Tag = def.Tag
		}
	}
	if s.Database.Mode == "" {
		s.Database.Mode = "sqlite"
	}
	if s.Database.Mode == "sqlite" && s.Database.SQLite.Size == "" {
		s.Database.SQLite.Size = "1Gi"
	}
	if s.Database.Mode == "external" {
		if s.Database.External.Driver == "" {
			s.Database.External.Driver = "postgres"
		}
		for _, r := range []*SecretRef{&s.Database.External.Kratos, &s.Database.External.Hydra} {
			if r.Key == "" {
				r.Key = "dsn"
			}
		}
	}
	if s.Scaling.Replicas == 0 {
		s.Scaling.Replicas = 1
	}
	if s.Scaling.PodDisruptionBudget == nil {
		s.Scaling.PodDisruptionBudget = boolPtr(true)
	}
	if s.Scaling.MaxReplicas > 0 && s.Scaling.TargetCPUUtilization == 0 {
		s.Scaling.TargetCPUUtilization = 75
	}
	k := &s.Kratos
	if len(k.Methods) == 0 {
		k.Methods = []string{"password"}
	}
	if len(k.OIDCProviders) > 0 && !contains(k.Methods, "oidc") {
		k.Methods = append(k.Methods, "oidc")
	}
	if k.Registration == nil {
		k.Registration = boolPtr(true)
	}
	if k.SessionLifespan == "" {
		k.SessionLifespan = "24h"
	}
	for i := range k.OIDCProviders {
		op := &k.OIDCProviders[i]
		if op.ClientSecretRef.Key == "" {
			op.ClientSecretRef.Key = "client-secret"
		}
		if len(op.Scope) == 0 {
			op.Scope = []string{"openid", "email", "profile"}
		}
	}
	if k.Courier.From == "" && s.Domain != "" {
		k.Courier.From = "no-reply@" + s.Domain
	}
	if k.Courier.SMTPURISecretRef != nil && k.Courier.SMTPURISecretRef.Key == "" {
		k.Courier.SMTPURISecretRef.Key = "smtp-uri"
	}
	h := &s.Hydra
	if h.AccessTokenStrategy == "" {
		h.AccessTokenStrategy = "opaque"
	}
	if h.Lifespans.AccessToken == "" {
		h.Lifespans.AccessToken = "1h"
	}
	if h.Lifespans.IDToken == "" {
		h.Lifespans.IDToken = "1h"
	}
	if h.Lifespans.RefreshToken == "" {
		h.Lifespans.RefreshToken = "720h"
	}
	if h.Lifespans.AuthCode == "" {
		h.Lifespans.AuthCode = "10m"
	}
	if s.Oathkeeper.Rules == "" {
		s.Oathkeeper.Rules = "configmap"
	}
	if s.Secrets.Policy == "" {
		s.Secrets.Policy = "generate"
	}
	if s.Secrets.Policy == "generate" && s.Secrets.File == "" && p.Metadata.Name != "" {
		s.Secrets.File = ".authctl/" + p.Metadata.Name + ".secrets.yaml"
	}
	if s.Secrets.Policy == "externalSecret" {
		e := &s.Secrets.ExternalSecret
		if e.StoreRef.Kind == "" {
			e.StoreRef.Kind = "ClusterSecretStore"
		}
		if e.RefreshInterval == "" {
			e.RefreshInterval = "1h"
		}
		if e.RemoteKeyPrefix == "" {
			e.RemoteKeyPrefix = "authctl/" + p.Metadata.Name + "/"
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
