package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/serve/tokenhook"
)

// AuthenticationConfigAPIVersion returns the apiserver.config.k8s.io version
// of AuthenticationConfiguration that a Kubernetes minor version takes:
//
//	1.28 and older  none (structured authentication does not exist: use the --oidc-* flags)
//	1.29            v1alpha1
//	1.30 – 1.33     v1beta1 (1.33.4 rejects v1, verified against a real kube-apiserver)
//	1.34 and newer  v1
func AuthenticationConfigAPIVersion(version string) (string, bool) {
	minor := 33
	if _, m, ok := strings.Cut(version, "."); ok {
		if n, err := strconv.Atoi(m); err == nil {
			minor = n
		}
	}
	switch {
	case minor < 29:
		return "", false
	case minor == 29:
		return "apiserver.config.k8s.io/v1alpha1", true
	case minor <= 33:
		return "apiserver.config.k8s.io/v1beta1", true
	default:
		return "apiserver.config.k8s.io/v1", true
	}
}

// TokenHookEnabled reports whether the stack runs the token hook that puts
// the identity's email and groups into id_tokens.
func TokenHookEnabled(p *profile.Profile) bool {
	c := p.Spec.Components
	return profile.On(p.Spec.Kubernetes.Enabled) && profile.On(c.Hydra.Enabled) && profile.On(c.Kratos.Enabled)
}

// TokenHookKeyEnv is the Hydra environment variable that carries the token
// hook's API key. Hydra's config loader overrides
// oauth2.token_hook.auth.config.value with it only when the config file
// has the auth block (verified on Hydra v2.3.0), so the ConfigMap holds
// the block with an empty value and the key stays in the Secret.
const TokenHookKeyEnv = "OAUTH2_TOKEN_HOOK_AUTH_CONFIG_VALUE"

// TokenHookSecretKey is the key of the Hydra Secret that holds the hook's
// API key; Hydra and the hook read the same key.
const TokenHookSecretKey = "tokenHookKey"

// addTokenHook points Hydra's oauth2.token_hook at the token hook, with
// the API key Hydra authenticates with (its value comes from the Secret,
// see TokenHookKeyEnv).
func addTokenHook(m *model, hydraCfg map[string]any) {
	if !TokenHookEnabled(m.p) {
		return
	}
	if o, ok := hydraCfg["oauth2"].(map[string]any); ok {
		o["token_hook"] = map[string]any{
			"url": m.w.TokenHookURL,
			"auth": map[string]any{
				"type":   "api_key",
				"config": map[string]any{"in": "header", "name": tokenhook.APIKeyHeader, "value": ""},
			},
		}
	}
}

// AuthenticationConfiguration is the kube-apiserver structured
// authentication config (--authentication-config) for the profile's
// issuer. It returns nil when the target version predates it.
//
// With the default username claim (email) the username is a CEL
// expression, so that one issuer serves people and CI:
//   - an id_token with a verified email → PREFIX + email;
//   - a client-credentials access token (sub == client_id) → PREFIX + "client:" + client_id;
//   - anything else (an unverified email, a person's token without email) → rejected.
func AuthenticationConfiguration(p *profile.Profile) map[string]any {
	return authenticationConfiguration(wired(p))
}

func authenticationConfiguration(m *model) map[string]any {
	p := m.p
	k := p.Spec.Kubernetes
	apiVersion, ok := AuthenticationConfigAPIVersion(k.Version)
	if !ok {
		return nil
	}
	username := map[string]any{"claim": k.UsernameClaim, "prefix": k.UsernamePrefix}
	if k.UsernameClaim == "email" {
		pre := celString(k.UsernamePrefix)
		username = map[string]any{"expression": "has(claims.email) " +
			"? (has(claims.email_verified) && claims.email_verified == true ? " + pre + " + claims.email : '') " +
			": (has(claims.client_id) && claims.sub == claims.client_id ? " + pre + " + 'client:' + claims.sub : '')"}
	}
	jwt := map[string]any{
		"issuer": map[string]any{
			"url":       m.w.IssuerURL,
			"audiences": []string{k.ClientID},
		},
		"claimMappings": map[string]any{
			"username": username,
			"groups":   map[string]any{"claim": k.GroupsClaim, "prefix": k.GroupsPrefix},
		},
	}
	if profile.On(k.RequireMFA) {
		jwt["claimValidationRules"] = []any{mfaRule(p)}
	}
	return map[string]any{
		"apiVersion": apiVersion,
		"kind":       "AuthenticationConfiguration",
		"jwt":        []any{jwt},
	}
}

// ClusterAuthenticationConfiguration is AuthenticationConfiguration for
// one of spec.kubernetes.clusters: it also requires the id_token's cluster
// claim to be the cluster's name (set by the token hook on a refresh that
// asks for cluster:NAME), so a token for another cluster, or the login's
// own token, is refused. A client credentials token (CI) has no cluster
// claim and is refused too: CI gets a token per cluster by its audience.
func ClusterAuthenticationConfiguration(p *profile.Profile, cluster string) map[string]any {
	return clusterAuthenticationConfiguration(wired(p), cluster)
}

func clusterAuthenticationConfiguration(m *model, cluster string) map[string]any {
	cfg := authenticationConfiguration(m)
	if cfg == nil {
		return nil
	}
	jwt := cfg["jwt"].([]any)[0].(map[string]any)
	rules, _ := jwt["claimValidationRules"].([]any)
	jwt["claimValidationRules"] = append(rules, map[string]any{
		"expression": "has(claims." + kubeconfig.ClusterClaim + ") && claims." + kubeconfig.ClusterClaim + " == " + celString(cluster),
		"message":    "the token is not for cluster " + cluster + " (authctl get-token --cluster-audience " + cluster + ")",
	})
	return cfg
}

// ClusterOIDCFlags are OIDCFlags for one cluster, with the cluster claim
// required.
func ClusterOIDCFlags(p *profile.Profile, cluster string) []string {
	return clusterOIDCFlags(wired(p), cluster)
}

func clusterOIDCFlags(m *model, cluster string) []string {
	return append(oidcFlags(m), "--oidc-required-claim="+kubeconfig.ClusterClaim+"="+cluster)
}

func celString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// OIDCFlags are the classic kube-apiserver flags, the alternative to
// AuthenticationConfiguration (the two cannot be combined). They cannot
// express the CI branch: with them only people (email) authenticate.
func OIDCFlags(p *profile.Profile) []string { return oidcFlags(wired(p)) }

func oidcFlags(m *model) []string {
	k := m.p.Spec.Kubernetes
	return []string{
		"--oidc-issuer-url=" + m.w.IssuerURL,
		"--oidc-client-id=" + k.ClientID,
		"--oidc-username-claim=" + k.UsernameClaim,
		"--oidc-username-prefix=" + k.UsernamePrefix,
		"--oidc-groups-claim=" + k.GroupsClaim,
		"--oidc-groups-prefix=" + k.GroupsPrefix,
		"--oidc-signing-algs=RS256",
	}
}

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName lower-cases s and replaces what a DNS label may not hold.
func dnsName(s string) string {
	return strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// kubernetesValues are the templates' .Values.kubernetes.
type kubernetesValues struct {
	Enabled              bool   `json:"enabled"`
	Version              string `json:"version"`
	AuthenticationConfig string `json:"authenticationConfig"`
	OIDCFlags            string `json:"oidcFlags"`
	// Clusters replace the two above with one pair per cluster.
	Clusters     []clusterOIDCValues `json:"clusters"`
	RoleBindings []roleBindingItem   `json:"roleBindings"`
	TokenHook    tokenHookValues     `json:"tokenHook"`
}

type clusterOIDCValues struct {
	Name                 string `json:"name"`
	AuthenticationConfig string `json:"authenticationConfig"`
	OIDCFlags            string `json:"oidcFlags"`
}

type roleBindingItem struct {
	Name        string `json:"name"`
	Group       string `json:"group"`
	ClusterRole string `json:"clusterRole"`
}

// tokenHookValues are the token hook Deployment's; only Enabled is set
// when kubectl login is off.
type tokenHookValues struct {
	Enabled   bool     `json:"enabled"`
	Name      string   `json:"name"`
	Port      int      `json:"port"`
	Image     string   `json:"image"`
	KeyEnv    string   `json:"keyEnv"`
	HydraEnv  string   `json:"hydraEnv"`
	SecretKey string   `json:"secretKey"`
	Args      []string `json:"args"`
}

func buildKubernetesValues(m *model) (kubernetesValues, error) {
	p := m.p
	k := p.Spec.Kubernetes
	if !profile.On(k.Enabled) {
		return kubernetesValues{}, nil
	}
	authn := ""
	if cfg := authenticationConfiguration(m); cfg != nil {
		b, err := marshalYAML(cfg)
		if err != nil {
			return kubernetesValues{}, fmt.Errorf("could not encode the AuthenticationConfiguration: %w", err)
		}
		authn = string(b)
	}
	var clusters []clusterOIDCValues
	for _, c := range k.Clusters {
		v := clusterOIDCValues{Name: c, OIDCFlags: strings.Join(clusterOIDCFlags(m, c), "\n") + "\n"}
		if cfg := clusterAuthenticationConfiguration(m, c); cfg != nil {
			b, err := marshalYAML(cfg)
			if err != nil {
				return kubernetesValues{}, fmt.Errorf("could not encode the AuthenticationConfiguration of cluster %s: %w", c, err)
			}
			v.AuthenticationConfig = string(b)
		}
		clusters = append(clusters, v)
	}
	var bindings []roleBindingItem
	for _, rb := range k.RoleBindings {
		bindings = append(bindings, roleBindingItem{
			Name:        dnsName(p.Metadata.Name + "-oidc-" + rb.Group + "-" + rb.ClusterRole),
			Group:       k.GroupsPrefix + rb.Group,
			ClusterRole: rb.ClusterRole,
		})
	}
	w := m.w
	return kubernetesValues{
		Enabled:              true,
		Version:              k.Version,
		AuthenticationConfig: authn,
		OIDCFlags:            strings.Join(oidcFlags(m), "\n") + "\n",
		Clusters:             clusters,
		RoleBindings:         bindings,
		TokenHook: tokenHookValues{
			Enabled:   TokenHookEnabled(p),
			Name:      w.TokenHookService,
			Port:      profile.TokenHookPort,
			Image:     AuthctlImage,
			KeyEnv:    tokenhook.APIKeyEnv,
			HydraEnv:  TokenHookKeyEnv,
			SecretKey: TokenHookSecretKey,
			Args: []string{
				"serve", "token-hook",
				fmt.Sprintf("--listen=:%d", profile.TokenHookPort),
				"--kratos-admin-url=" + w.KratosAdminInternalURL,
				"--email-field=" + k.Claims.Email,
				"--groups-field=" + k.Claims.Groups,
				"--groups-scope=" + k.Claims.GroupsScope,
			},
		},
	}, nil
}
