package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// clusterDomain is a DNS-1123 subdomain (one label allowed).
	clusterDomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	dnsName       = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$`)
	digestRe      = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	envNameRe     = regexp.MustCompile(`[^A-Z0-9]+`)
)

func (p *Profile) validate(ctx context.Context, opts LoadOptions) error {
	var errs ErrorList
	add := func(path, hint, format string, args ...any) {
		errs = append(errs, p.Errorf(path, hint, format, args...))
	}
	if p.APIVersion != APIVersion {
		add("apiVersion", "use "+APIVersion, "unsupported apiVersion %q", p.APIVersion)
	}
	if p.Kind != Kind {
		add("kind", "use "+Kind, "unsupported kind %q", p.Kind)
	}
	// metadata.name's pattern and length are the schema's (checked while
	// decoding).
	if !dnsLabel.MatchString(p.Metadata.Namespace) {
		add("metadata.namespace", "use a DNS-1123 label", "invalid namespace %q", p.Metadata.Namespace)
	}
	s := &p.Spec
	// A missing domain is reported once, while decoding (a required field).
	if s.Domain != "" && !dnsName.MatchString(s.Domain) {
		add("spec.domain", "use a DNS name such as example.com", "invalid domain %q", s.Domain)
	}
	if s.ClusterDomain != "" && !clusterDomain.MatchString(s.ClusterDomain) {
		add("spec.clusterDomain", "use the cluster's DNS domain (the kubelet's --cluster-domain), for example cluster.local", "invalid cluster domain %q", s.ClusterDomain)
	}
	hosts := map[string]string{}
	for _, h := range []struct{ path, value string }{
		{"spec.hosts.auth", s.Hosts.Auth}, {"spec.hosts.kratos", s.Hosts.Kratos}, {"spec.hosts.hydra", s.Hosts.Hydra},
	} {
		if h.value == "" && s.Domain == "" {
			continue // derived from the missing domain, reported once above
		}
		if !dnsName.MatchString(h.value) {
			add(h.path, "use a DNS name", "invalid host %q", h.value)
			continue
		}
		if prev, dup := hosts[h.value]; dup {
			add(h.path, "every public endpoint needs its own host", "host %q is already used by %s", h.value, prev)
			continue
		}
		hosts[h.value] = h.path
		if s.Domain != "" && h.value != s.Domain && !strings.HasSuffix(h.value, "."+s.Domain) {
			add(h.path, "session cookies are scoped to "+s.Domain+"; use a host under it", "host %q is outside the domain %q", h.value, s.Domain)
		}
	}
	// Image digests are checked against the schema's pattern while decoding.
	if On(s.Components.UI.Enabled) && !On(s.Components.Kratos.Enabled) {
		add("spec.components.ui.enabled", "enable kratos or disable the ui", "the self-service UI needs Kratos")
	}
	if len(s.UI.FirstPartyClients) > 0 && s.UI.Implementation != "builtin" {
		add("spec.ui.firstPartyClients", "set the clients' skip_consent in Hydra instead, or use implementation: builtin", "first-party clients are a setting of the built-in UI")
	}

	switch s.Database.Mode {
	case "sqlite":
		if s.Scaling.Replicas > 1 || s.Scaling.MaxReplicas > 1 {
			add("spec.scaling", "set spec.database.mode: external to run more than one replica", "sqlite supports a single replica only")
		}
	case "external":
		for _, r := range []struct {
			path string
			ref  SecretRef
			on   bool
		}{{"spec.database.external.kratos", s.Database.External.Kratos, On(s.Components.Kratos.Enabled)}, {"spec.database.external.hydra", s.Database.External.Hydra, On(s.Components.Hydra.Enabled)}} {
			if r.on && r.ref.Name == "" {
				add(r.path+".name", "name the Secret that holds the DSN", "missing Secret name")
			}
		}
	}
	if s.Scaling.MaxReplicas > 0 && s.Scaling.MaxReplicas < s.Scaling.Replicas {
		add("spec.scaling.maxReplicas", "set it to at least spec.scaling.replicas", "maxReplicas %d is below replicas %d", s.Scaling.MaxReplicas, s.Scaling.Replicas)
	}

	clusters := map[string]bool{}
	for i, c := range s.Kubernetes.Clusters {
		path := fmt.Sprintf("spec.kubernetes.clusters[%d]", i)
		switch {
		case !kubeconfig.ClusterName(c):
			add(path, "use a DNS label: lower-case letters, digits and '-'", "invalid cluster name %q", c)
		case clusters[c]:
			add(path, "list each cluster once", "cluster %q is listed twice", c)
		}
		clusters[c] = true
	}
	if len(s.Kubernetes.Clusters) > 0 && !(On(s.Components.Hydra.Enabled) && On(s.Components.Kratos.Enabled)) {
		add("spec.kubernetes.clusters", "enable hydra and kratos, or remove the clusters", "clusters need the token hook, which runs with Hydra and Kratos")
	}

	k := &s.Kratos
	seen := map[string]bool{}
	for i, m := range k.Methods {
		if seen[m] {
			add(fmt.Sprintf("spec.kratos.methods[%d]", i), "list each method once", "method %q is listed twice", m)
		}
		seen[m] = true
	}
	if On(k.WebAuthn.Passwordless) && !seen["webauthn"] {
		add("spec.kratos.webauthn.passwordless", "add webauthn to spec.kratos.methods", "passwordless webauthn without the webauthn method")
	}
	if !seen["password"] && !seen["passkey"] && !seen["oidc"] && !seen["code"] && !(seen["webauthn"] && On(k.WebAuthn.Passwordless)) {
		add("spec.kratos.methods", "add password, passkey, oidc or code, or set spec.kratos.webauthn.passwordless: true",
			"no first factor: totp, lookup_secret and webauthn (without passwordless) only add a second factor, so nobody could sign in")
	}
	if seen["oidc"] && len(k.OIDCProviders) == 0 {
		add("spec.kratos.methods", "add spec.kratos.oidcProviders or remove oidc", "method oidc needs at least one provider")
	}
	providerIDs := map[string]bool{}
	for i, op := range k.OIDCProviders {
		path := fmt.Sprintf("spec.kratos.oidcProviders[%d]", i)
		if !dnsLabel.MatchString(op.ID) {
			add(path+".id", "use lower-case letters, digits and '-'", "invalid provider id %q", op.ID)
		} else if providerIDs[op.ID] {
			add(path+".id", "provider ids must be unique", "provider id %q is used twice", op.ID)
		}
		providerIDs[op.ID] = true
		if op.ClientID == "" {
			add(path+".clientID", "set the OAuth2 client id issued by the provider", "missing clientID")
		}
		if op.ClientSecretRef.Name == "" {
			add(path+".clientSecretRef.name", "name the Secret holding the client secret; secrets never go in the profile", "missing Secret name")
		}
		if op.Provider == "generic" && op.IssuerURL == "" {
			add(path+".issuerURL", "generic providers need the issuer URL", "missing issuerURL")
		}
		if op.IssuerURL != "" {
			if err := checkURL(op.IssuerURL, true); err != nil {
				add(path+".issuerURL", "use an absolute https URL", "bad URL %q: %v", op.IssuerURL, err)
			}
		}
	}
	schemaIDs := map[string]bool{}
	for i, is := range k.IdentitySchemas {
		path := fmt.Sprintf("spec.kratos.identitySchemas[%d]", i)
		if !dnsLabel.MatchString(is.ID) {
			add(path+".id", "use lower-case letters, digits and '-'", "invalid schema id %q", is.ID)
		} else if schemaIDs[is.ID] {
			add(path+".id", "schema ids must be unique", "schema id %q is used twice", is.ID)
		}
		schemaIDs[is.ID] = true
		if (is.File == "") == (is.Inline == "") {
			add(path, "set exactly one of file or inline", "an identity schema needs file or inline")
			continue
		}
		doc := []byte(is.Inline)
		where := path + ".inline"
		if is.File != "" {
			where = path + ".file"
			data, err := os.ReadFile(p.resolve(is.File))
			if err != nil {
				add(where, "the path is relative to the profile file", "could not read schema: %v", err)
				continue
			}
			doc = data
		}
		var v map[string]any
		if err := json.Unmarshal(doc, &v); err != nil {
			add(where, "an identity schema is a JSON Schema document", "invalid JSON: %v", err)
		}
	}
	if err := checkDuration(k.SessionLifespan); err != nil {
		add("spec.kratos.sessionLifespan", "use a Go duration such as 24h or 30m", "%v", err)
	}
	for i, u := range k.AllowedReturnURLs {
		if err := checkURL(u, false); err != nil {
			add(fmt.Sprintf("spec.kratos.allowedReturnURLs[%d]", i), "use an absolute URL such as https://app.example.com/", "bad URL %q: %v", u, err)
		}
	}
	if r := k.Courier.SMTPURISecretRef; r != nil && r.Name == "" {
		add("spec.kratos.courier.smtpURISecretRef.name", "name the Secret holding the SMTP URI", "missing Secret name")
	}
	for _, l := range []struct{ path, v string }{
		{"spec.hydra.lifespans.accessToken", s.Hydra.Lifespans.AccessToken},
		{"spec.hydra.lifespans.idToken", s.Hydra.Lifespans.IDToken},
		{"spec.hydra.lifespans.refreshToken", s.Hydra.Lifespans.RefreshToken},
		{"spec.hydra.lifespans.authCode", s.Hydra.Lifespans.AuthCode},
	} {
		if err := checkDuration(l.v); err != nil {
			add(l.path, "use a Go duration such as 1h or 10m", "%v", err)
		}
	}

	switch s.Secrets.Policy {
	case "existingSecret":
		e := s.Secrets.ExistingSecret
		for _, c := range []struct {
			path, v string
			on      bool
		}{
			{"spec.secrets.existingSecret.kratos", e.Kratos, On(s.Components.Kratos.Enabled)},
			{"spec.secrets.existingSecret.hydra", e.Hydra, On(s.Components.Hydra.Enabled)},
			{"spec.secrets.existingSecret.ui", e.UI, On(s.Components.UI.Enabled)},
			{"spec.secrets.existingSecret.oathkeeper", e.Oathkeeper, On(s.Components.Oathkeeper.Enabled)},
		} {
			if c.on && c.v == "" {
				add(c.path, "name the Secret created outside authctl (see docs/profile.md for its keys)", "missing Secret name")
			}
		}
	case "externalSecret":
		if s.Secrets.ExternalSecret.StoreRef.Name == "" {
			add("spec.secrets.externalSecret.storeRef.name", "name the SecretStore or ClusterSecretStore", "missing store name")
		}
	}
	svcErrs, err := p.validateServices(ctx)
	if err != nil {
		return err
	}
	errs = append(errs, svcErrs...)
	errs = append(errs, p.validateTLS()...)
	errs = append(errs, p.validateMFA()...)
	clientIDs := map[string]string{}
	if On(s.Kubernetes.Enabled) && s.Kubernetes.ClientID != "" {
		clientIDs[s.Kubernetes.ClientID] = "the kubectl client (spec.kubernetes.clientID)"
	}
	if !opts.SkipBootstrapInputs {
		errs = append(errs, p.validateBootstrap(opts.CheckIdentities, clientIDs)...)
	}
	errs = append(errs, p.validateAudiences(clientIDs)...)
	for i, o := range s.Hydra.CORSAllowedOrigins {
		if err := checkOrigin(o); err != nil {
			add(fmt.Sprintf("spec.hydra.corsAllowedOrigins[%d]", i), "use an origin such as https://app.example.com (scheme, host and port only)", "bad origin %q: %v", o, err)
		}
	}
	for i, pt := range s.Patches {
		if strings.TrimSpace(pt.Patch) == "" {
			add(fmt.Sprintf("spec.patches[%d].patch", i), "give a strategic-merge or JSON 6902 patch", "empty patch")
		} else if err := checkPatch(pt); err != nil {
			add(fmt.Sprintf("spec.patches[%d].patch", i), "give a strategic-merge patch (a YAML object) or a JSON 6902 patch (a YAML list of {op, path, value})", "%v", err)
		}
	}
	return errs.Err()
}

// resolve makes a profile-relative path absolute.
func (p *Profile) resolve(path string) string {
	if filepath.IsAbs(path) || p.Dir == "" {
		return path
	}
	return filepath.Join(p.Dir, path)
}

// ResolvePath makes a path from the profile relative to the profile's directory.
func (p *Profile) ResolvePath(path string) string { return p.resolve(path) }

func checkDuration(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("invalid duration %q", v)
	}
	if d <= 0 {
		return fmt.Errorf("duration %q must be positive", v)
	}
	return nil
}

func checkURL(v string, httpsOnly bool) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("cannot parse")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("scheme must be http or https")
	}
	if httpsOnly && u.Scheme != "https" {
		return fmt.Errorf("scheme must be https")
	}
	if u.Host == "" {
		return fmt.Errorf("missing host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %s is outside 1-65535", p)
		}
	}
	return nil
}

// validateTLS refuses the TLS settings no browser or cluster would take.
func (p *Profile) validateTLS() ErrorList {
	var errs ErrorList
	s := &p.Spec
	if !On(s.TLS) {
		// Both fixes at once, so a plain-HTTP trial takes one round.
		switch {
		case !On(s.AllowPlainHTTP) && On(s.Kubernetes.Enabled):
			errs = append(errs, p.Errorf("spec.tls", "for a local trial set both spec.allowPlainHTTP: true and spec.kubernetes.enabled: false; otherwise keep tls: true",
				"plain HTTP sends session cookies and tokens in clear, and kube-apiserver refuses an http:// issuer"))
		case !On(s.AllowPlainHTTP):
			errs = append(errs, p.Errorf("spec.tls", "set spec.allowPlainHTTP: true for a local trial, or keep tls: true",
				"plain HTTP sends session cookies and tokens in clear, and kube-apiserver refuses an http:// issuer"))
		case On(s.Kubernetes.Enabled):
			errs = append(errs, p.Errorf("spec.tls", "set spec.kubernetes.enabled: false for a plain-HTTP trial, or keep tls: true",
				"kube-apiserver refuses an http:// issuer, so kubectl login needs tls: true"))
		}
		return errs
	}
	g := s.Gateway
	if what := LookupGatewayTarget(g.Target).TLSObject; what != "" && g.TLSSecretName == "" && !On(g.ExternalTLS) {
		errs = append(errs, p.Errorf("spec.gateway.target", "set spec.gateway.tlsSecretName to the Secret holding the certificate, or spec.gateway.externalTLS: true when a load balancer in front terminates TLS",
			"spec.tls is true but %s gets no certificate, so the public URLs would not answer https", what))
	}
	return errs
}
