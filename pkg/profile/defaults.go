package profile

import (
	"cmp"
	"maps"
	"slices"
)

// Pinned upstream versions. Images default to these tags.
const (
	KratosVersion     = "v1.3.1"
	HydraVersion      = "v2.3.0"
	OathkeeperVersion = "v0.40.9"
	UIVersion         = "v1.3.1"
	EnvoyVersion      = "v1.34.1"
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
	p.Metadata.Namespace = cmp.Or(p.Metadata.Namespace, p.Metadata.Name)
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
		c.Image.Repository = cmp.Or(c.Image.Repository, def.Repository)
		if c.Image.Tag == "" && c.Image.Digest == "" {
			c.Image.Tag = def.Tag
		}
	}
	s.UI.Implementation = cmp.Or(s.UI.Implementation, "builtin")
	s.UI.ProductName = cmp.Or(s.UI.ProductName, s.Domain)
	s.Database.Mode = cmp.Or(s.Database.Mode, "sqlite")
	if s.Database.Mode == "sqlite" && s.Database.SQLite.Size == "" {
		s.Database.SQLite.Size = "1Gi"
	}
	if s.Database.Mode == "external" {
		s.Database.External.Driver = cmp.Or(s.Database.External.Driver, "postgres")
		for _, r := range []*SecretRef{&s.Database.External.Kratos, &s.Database.External.Hydra} {
			r.Key = cmp.Or(r.Key, "dsn")
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
	if len(k.OIDCProviders) > 0 && !slices.Contains(k.Methods, "oidc") {
		k.Methods = append(k.Methods, "oidc")
	}
	if k.Registration == nil {
		k.Registration = boolPtr(true)
	}
	k.SessionLifespan = cmp.Or(k.SessionLifespan, "24h")
	for i := range k.OIDCProviders {
		op := &k.OIDCProviders[i]
		op.ClientSecretRef.Key = cmp.Or(op.ClientSecretRef.Key, "client-secret")
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
	h.AccessTokenStrategy = cmp.Or(h.AccessTokenStrategy, "opaque")
	h.Lifespans.AccessToken = cmp.Or(h.Lifespans.AccessToken, "1h")
	h.Lifespans.IDToken = cmp.Or(h.Lifespans.IDToken, "1h")
	h.Lifespans.RefreshToken = cmp.Or(h.Lifespans.RefreshToken, "720h")
	h.Lifespans.AuthCode = cmp.Or(h.Lifespans.AuthCode, "10m")
	s.Oathkeeper.Rules = cmp.Or(s.Oathkeeper.Rules, "configmap")
	for i := range s.Services {
		sv := &s.Services[i]
		if len(sv.Paths) == 0 {
			sv.Paths = []string{"/"}
		}
		if sv.Upstream.Service != "" && sv.Upstream.Namespace == "" {
			sv.Upstream.Namespace = p.Metadata.Namespace
		}
		sv.Forward.Mode = cmp.Or(sv.Forward.Mode, "passthrough")
		if sv.Forward.Mode == "reissue" {
			sv.Forward.TTL = cmp.Or(sv.Forward.TTL, "5m")
			if len(sv.Forward.Audience) == 0 {
				sv.Forward.Audience = []string{sv.Name}
			}
		}
		if sv.Forward.Mode == "headers" {
			h := &sv.Forward.Headers
			h.Subject = cmp.Or(h.Subject, DefaultSubjectHeader)
			h.Email = cmp.Or(h.Email, DefaultEmailHeader)
			h.Groups = cmp.Or(h.Groups, DefaultGroupsHeader)
			if sv.Forward.Claims.PreferredUsername == "" {
				sv.Forward.Claims.PreferredUsername = "preferred_username"
				if slices.Contains(sv.Allow, "session") || slices.Contains(sv.Allow, "bearer") {
					sv.Forward.Claims.PreferredUsername = "traits.username"
				}
			}
		}
		if sv.OnFailure == "" {
			sv.OnFailure = "json"
			if slices.Contains(sv.Allow, "session") {
				sv.OnFailure = "redirect"
			}
		}
	}
	g := &s.Gateway
	if g.Target == "" {
		g.Target = "none"
		if len(s.Services) > 0 {
			g.Target = "envoy"
		}
	}
	g.GatewayClassName = cmp.Or(g.GatewayClassName, "eg")
	row := LookupGatewayTarget(g.Target)
	g.Namespace = cmp.Or(g.Namespace, row.DefaultNamespace)
	if g.Selector == nil && row.DefaultSelector != nil {
		g.Selector = maps.Clone(row.DefaultSelector)
	}
	if g.DenyAll == nil {
		g.DenyAll = boolPtr(false)
	}
	g.Image.Repository = cmp.Or(g.Image.Repository, "docker.io/envoyproxy/envoy")
	if g.Image.Tag == "" && g.Image.Digest == "" {
		g.Image.Tag = EnvoyVersion
	}
	kc := &s.Kubernetes
	if kc.Enabled == nil {
		kc.Enabled = boolPtr(true)
	}
	kc.Version = cmp.Or(kc.Version, "1.33")
	kc.ClientID = cmp.Or(kc.ClientID, "kubectl")
	if len(kc.RedirectPorts) == 0 {
		// Not 8000: kubelogin's default clashes with many dev servers.
		kc.RedirectPorts = []int{18000, 18001}
	}
	kc.UsernameClaim = cmp.Or(kc.UsernameClaim, "email")
	kc.UsernamePrefix = cmp.Or(kc.UsernamePrefix, "oidc:")
	kc.GroupsClaim = cmp.Or(kc.GroupsClaim, "groups")
	kc.GroupsPrefix = cmp.Or(kc.GroupsPrefix, "oidc:")
	kc.Claims.Email = cmp.Or(kc.Claims.Email, "traits.email")
	kc.Claims.Groups = cmp.Or(kc.Claims.Groups, "metadata_public.groups")
	kc.Claims.GroupsScope = cmp.Or(kc.Claims.GroupsScope, "groups")
	s.Secrets.Policy = cmp.Or(s.Secrets.Policy, "generate")
	if s.Secrets.Policy == "generate" && s.Secrets.File == "" && p.Metadata.Name != "" {
		s.Secrets.File = ".authctl/" + p.Metadata.Name + ".secrets.yaml"
	}
	if s.Secrets.Policy == "externalSecret" {
		e := &s.Secrets.ExternalSecret
		e.StoreRef.Kind = cmp.Or(e.StoreRef.Kind, "ClusterSecretStore")
		e.RefreshInterval = cmp.Or(e.RefreshInterval, "1h")
		e.RemoteKeyPrefix = cmp.Or(e.RemoteKeyPrefix, "authctl/"+p.Metadata.Name+"/")
	}
}
