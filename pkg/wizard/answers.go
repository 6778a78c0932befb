// Package wizard turns the choices of `authctl init` (from flags or from an
// interactive form) into a commented, validated profile file.
//
// The same Answers value is filled by flags and by the form, and the same
// text parsers (ParseSocial, ParseRoleBindings, ParseServices) read both,
// so a flag and a form field never disagree on syntax.
package wizard

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// dnsSubdomain is a Kubernetes object name (RFC 1123 subdomain).
var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)

// GatewayChoices are the gateway targets, the rows of profile.GatewayTargets.
func GatewayChoices() []string { return profile.GatewayTargetNames() }

// Choices offered by the form and accepted by the flags.
var (
	ComponentChoices = []string{"kratos", "hydra", "oathkeeper", "ui"}
	DatabaseChoices  = []string{"sqlite", "external"}
	// MethodChoices are Kratos login methods; social sign-in is chosen by
	// listing providers (Answers.Social), which adds the oidc method.
	MethodChoices = []string{"password", "totp", "webauthn", "passkey", "code"}
	// SocialChoices are the providers that need only a client ID and secret.
	SocialChoices = []string{"google", "github", "gitlab", "microsoft"}
)

// Answers are every choice `authctl init` asks for.
type Answers struct {
	Name       string
	Namespace  string
	Domain     string
	Components []string
	Gateway    string
	// IngressClass is the IngressClass of the ingress target.
	IngressClass string
	// TLSSecret names the Secret with the public hosts' certificate, for
	// the targets that terminate TLS themselves (ingress, envoy-gateway);
	// empty means NAME-tls. ExternalTLS says a load balancer in front
	// terminates TLS instead.
	TLSSecret    string
	ExternalTLS  bool
	Database     string
	Methods      []string
	Social       []SocialProvider
	Registration bool
	RoleBindings []RoleBinding
	Services     []Service
}

// SocialProvider is a social sign-in provider and its OAuth2 client ID.
type SocialProvider struct {
	Provider string
	ClientID string
}

// RoleBinding maps a group to a ClusterRole.
type RoleBinding struct {
	Group       string
	ClusterRole string
}

// Service is a host to protect and the upstream URL behind it.
type Service struct {
	Host     string
	Upstream string
}

// Name of the service: the first label of its host.
func (s Service) Name() string {
	name, _, _ := strings.Cut(s.Host, ".")
	return name
}

// Defaults are the answers of `authctl init --defaults`: a single-replica
// trial on SQLite with password login, every component, no gateway, and the
// admins group bound to cluster-admin for kubectl login.
func Defaults() Answers {
	return Answers{
		Name:         "dev",
		Namespace:    "auth",
		Domain:       "dev.example.com",
		Components:   slices.Clone(ComponentChoices),
		Gateway:      "none",
		IngressClass: "nginx",
		Database:     "sqlite",
		Methods:      []string{"password"},
		Registration: true,
		RoleBindings: []RoleBinding{{Group: "admins", ClusterRole: "cluster-admin"}},
	}
}

// NeedsIngressClass reports whether the gateway target needs an IngressClass.
func (a Answers) NeedsIngressClass() bool {
	return profile.LookupGatewayTarget(a.Gateway).NeedsIngressClass
}

// NeedsTLS reports whether the gateway target terminates TLS itself and so
// needs a certificate Secret or a load balancer in front that does.
func (a Answers) NeedsTLS() bool { return profile.LookupGatewayTarget(a.Gateway).TLSObject != "" }

// TLSSecretName is the certificate Secret's name: the answer, or NAME-tls.
func (a Answers) TLSSecretName() string {
	if a.TLSSecret != "" {
		return a.TLSSecret
	}
	return a.Name + "-tls"
}

// AnswerError is a problem of one answer; Field is the form field's key.
type AnswerError struct {
	Field string
	Err   error
}

func (e *AnswerError) Error() string { return e.Err.Error() }
func (e *AnswerError) Unwrap() error { return e.Err }

func answerErrorf(field, format string, args ...any) error {
	return &AnswerError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Check reports choices outside the allowed sets; everything else is left to
// profile validation of the written file.
func (a Answers) Check() error {
	for _, c := range a.Components {
		if !slices.Contains(ComponentChoices, c) {
			return answerErrorf(FieldComponents, "unknown component %q (%sallowed: %s)", c, profile.DidYouMean(c, ComponentChoices), strings.Join(ComponentChoices, ", "))
		}
	}
	if choices := GatewayChoices(); !slices.Contains(choices, a.Gateway) {
		return answerErrorf(FieldGateway, "unknown gateway %q (%sallowed: %s)", a.Gateway, profile.DidYouMean(a.Gateway, choices), strings.Join(choices, ", "))
	}
	if a.NeedsIngressClass() && !dnsSubdomain.MatchString(a.IngressClass) {
		return answerErrorf(FieldIngressClass, "invalid ingress class %q: name the IngressClass (kubectl get ingressclass), for example nginx", a.IngressClass)
	}
	if a.NeedsTLS() && !a.ExternalTLS && !dnsSubdomain.MatchString(a.TLSSecretName()) {
		return answerErrorf(FieldTLSSecret, "invalid Secret name %q: use lower-case letters, digits, '-' and '.'", a.TLSSecretName())
	}
	if !slices.Contains(DatabaseChoices, a.Database) {
		return answerErrorf(FieldDatabase, "unknown database %q (%sallowed: %s)", a.Database, profile.DidYouMean(a.Database, DatabaseChoices), strings.Join(DatabaseChoices, ", "))
	}
	for _, m := range a.Methods {
		if !slices.Contains(MethodChoices, m) {
			return answerErrorf(FieldMethods, "unknown login method %q (%sallowed: %s; social sign-in is set with providers)", m, profile.DidYouMean(m, MethodChoices), strings.Join(MethodChoices, ", "))
		}
	}
	for _, s := range a.Social {
		if !slices.Contains(SocialChoices, s.Provider) {
			return answerErrorf(FieldSocial, "unknown social provider %q (%sallowed: %s)", s.Provider, profile.DidYouMean(s.Provider, SocialChoices), strings.Join(SocialChoices, ", "))
		}
	}
	if len(a.Methods) == 0 && len(a.Social) == 0 {
		// Reported on the later of the two fields: the social providers
		// may still supply the login.
		return answerErrorf(FieldSocial, "choose at least one login method or social provider")
	}
	return nil
}

// ParseList splits a comma- or space-separated list, dropping empty items.
func ParseList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
	if len(f) == 0 {
		return nil
	}
	return f
}

// pairs parses "k=v, k=v" items.
func pairs(what, s string) ([][2]string, error) {
	var out [][2]string
	for _, item := range ParseList(s) {
		k, v, ok := strings.Cut(item, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("invalid %s %q: want KEY=VALUE", what, item)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// ParseSocial parses "google=CLIENT_ID, github=CLIENT_ID".
func ParseSocial(s string) ([]SocialProvider, error) {
	ps, err := pairs("social provider", s)
	var out []SocialProvider
	for _, p := range ps {
		out = append(out, SocialProvider{Provider: p[0], ClientID: p[1]})
	}
	return out, err
}

// ParseRoleBindings parses "admins=cluster-admin, devs=view".
func ParseRoleBindings(s string) ([]RoleBinding, error) {
	ps, err := pairs("role binding", s)
	var out []RoleBinding
	for _, p := range ps {
		out = append(out, RoleBinding{Group: p[0], ClusterRole: p[1]})
	}
	return out, err
}

// ParseServices parses "grafana.example.com=http://grafana.monitoring:3000".
func ParseServices(s string) ([]Service, error) {
	ps, err := pairs("service", s)
	var out []Service
	for _, p := range ps {
		out = append(out, Service{Host: p[0], Upstream: p[1]})
	}
	return out, err
}

// FormatSocial is the inverse of ParseSocial.
func FormatSocial(list []SocialProvider) string {
	var out []string
	for _, s := range list {
		out = append(out, s.Provider+"="+s.ClientID)
	}
	return strings.Join(out, ", ")
}

// FormatRoleBindings is the inverse of ParseRoleBindings.
func FormatRoleBindings(list []RoleBinding) string {
	var out []string
	for _, r := range list {
		out = append(out, r.Group+"="+r.ClusterRole)
	}
	return strings.Join(out, ", ")
}

// FormatServices is the inverse of ParseServices.
func FormatServices(list []Service) string {
	var out []string
	for _, s := range list {
		out = append(out, s.Host+"="+s.Upstream)
	}
	return strings.Join(out, ", ")
}
