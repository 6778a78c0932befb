package render

import (
	"sort"
	"strconv"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// SecretToCreate is a Secret the rendered stack reads but does not hold:
// its value is the user's (an SSO client secret, a database DSN, an SMTP
// URI, a certificate, the Secrets of the existingSecret policy), so the
// user creates it before the first apply, or the pods that read it stop in
// CreateContainerConfigError.
type SecretToCreate struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Type is "generic" or "tls" (kubectl create secret TYPE).
	Type string `json:"type"`
	// Keys are the keys the stack reads, sorted.
	Keys []string `json:"keys"`
	// For says what reads it, one entry per use.
	For []string `json:"for"`
	// Path is the profile field that first names it, for its position.
	Path string `json:"path"`
	// Command is the one kubectl line that creates it, with placeholders in
	// <…> where the values go: never a value.
	Command string `json:"command"`

	// placeholders describe each key's value.
	placeholders map[string]string
}

// Placeholders of values, in <…>.
const (
	random16 = "<at least 16 random characters>"
	random32 = "<exactly 32 random characters>"
	randomN  = "<random characters>"
)

// existingSecretPlaceholders describe the keys of the existingSecret
// policy's Secrets (docs/profile.md lists them).
var existingSecretPlaceholders = map[string]string{
	"secretsDefault": random16, "secretsCookie": random16, "secretsCipher": random32, "secretsSystem": random16,
	TokenHookSecretKey: random16, "cookieSecret": randomN, "csrfCookieSecret": randomN, "headerSecret": randomN,
	"jwks.json": "<path/to/private-jwks.json>",
}

// SecretsToCreate lists, sorted by name, the Secrets of the profile that
// the user must create. Secrets of the generate policy (rendered) and of
// the externalSecret policy (made by the External Secrets operator) are not
// in it.
func SecretsToCreate(p *profile.Profile) []SecretToCreate {
	s := p.Spec
	ns := p.Wiring().Namespace
	byName := map[string]*SecretToCreate{}
	need := func(name, typ, path, what string, placeholders map[string]string) {
		if name == "" {
			return
		}
		sc, ok := byName[name]
		if !ok {
			sc = &SecretToCreate{Name: name, Namespace: ns, Type: typ, Path: path, placeholders: map[string]string{}}
			byName[name] = sc
		}
		if typ == "tls" {
			sc.Type = "tls"
		}
		for k, v := range placeholders {
			if _, dup := sc.placeholders[k]; !dup {
				sc.placeholders[k] = v
				sc.Keys = append(sc.Keys, k)
			}
		}
		sc.For = append(sc.For, what)
	}
	kratosOn, hydraOn := profile.On(s.Components.Kratos.Enabled), profile.On(s.Components.Hydra.Enabled)
	if kratosOn {
		for i, op := range s.Kratos.OIDCProviders {
			need(op.ClientSecretRef.Name, "generic", "spec.kratos.oidcProviders["+strconv.Itoa(i)+"].clientSecretRef.name",
				"the client secret of SSO provider "+op.ID,
				map[string]string{op.ClientSecretRef.Key: "<the OAuth2 client secret " + op.Provider + " issued for " + op.ClientID + ">"})
		}
		if r := s.Kratos.Courier.SMTPURISecretRef; r != nil {
			need(r.Name, "generic", "spec.kratos.courier.smtpURISecretRef.name", "the courier's SMTP URI",
				map[string]string{r.Key: "<smtps://USER:PASSWORD@HOST:465/>"})
		}
	}
	if s.Database.Mode == "external" {
		scheme := "postgres"
		if s.Database.External.Driver == "cockroach" {
			scheme = "cockroach"
		}
		for _, db := range []struct {
			on         bool
			ref        profile.SecretRef
			name, what string
		}{{kratosOn, s.Database.External.Kratos, "kratos", "Kratos' database DSN"}, {hydraOn, s.Database.External.Hydra, "hydra", "Hydra's database DSN"}} {
			if db.on {
				need(db.ref.Name, "generic", "spec.database.external."+db.name+".name", db.what,
					map[string]string{db.ref.Key: "<" + scheme + "://USER:PASSWORD@HOST:PORT/" + db.name + "?sslmode=verify-full>"})
			}
		}
	}
	if s.Secrets.Policy == "existingSecret" {
		names := secretNames(p)
		for _, c := range enabledComponents(p) {
			keys := map[string]string{}
			for _, k := range ComponentSecretKeys(p, c) {
				keys[k] = existingSecretPlaceholders[k]
			}
			need(names[c], "generic", "spec.secrets.existingSecret."+c, "the "+c+" secrets (spec.secrets.policy: existingSecret)", keys)
		}
	}
	if g := s.Gateway; profile.LookupGatewayTarget(g.Target).TLSObject != "" {
		need(g.TLSSecretName, "tls", "spec.gateway.tlsSecretName", "the certificate of the public hosts",
			map[string]string{"tls.crt": "<path/to/tls.crt>", "tls.key": "<path/to/tls.key>"})
	}
	out := make([]SecretToCreate, 0, len(byName))
	for _, sc := range byName {
		sort.Strings(sc.Keys)
		sc.Command = sc.createCommand()
		out = append(out, *sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// createCommand is the kubectl line that creates the Secret, with a
// placeholder for each value.
func (sc SecretToCreate) createCommand() string {
	var b strings.Builder
	b.WriteString("kubectl -n " + sc.Namespace + " create secret " + sc.Type + " " + sc.Name)
	if sc.Type == "tls" {
		b.WriteString(" --cert=" + sc.placeholders["tls.crt"] + " --key=" + sc.placeholders["tls.key"])
		return b.String()
	}
	for _, k := range sc.Keys {
		v := sc.placeholders[k]
		if strings.HasSuffix(k, ".json") {
			b.WriteString(" --from-file=" + k + "=" + v)
			continue
		}
		b.WriteString(" --from-literal=" + k + "='" + v + "'")
	}
	return b.String()
}

// Uses says what reads the Secret, in one phrase.
func (sc SecretToCreate) Uses() string { return strings.Join(sc.For, ", ") }
