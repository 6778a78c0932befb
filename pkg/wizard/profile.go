package wizard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/authctl/authctl/pkg/profile"
)

// SchemaURL is the JSON Schema editors load through yaml-language-server.
const SchemaURL = "https://authctl.dev/schemas/profile-v1alpha1.json"

// plainScalar matches strings YAML reads back unchanged without quotes.
var plainScalar = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/@-]*(:[0-9]+)?(/[A-Za-z0-9._/@-]*)?$|^https?://[A-Za-z0-9._-]+(:[0-9]+)?(/[A-Za-z0-9._/@-]*)?$`)

// quote returns s as a YAML scalar, quoting only when needed.
func quote(s string) string {
	if plainScalar.MatchString(s) && !slices.Contains([]string{"true", "false", "null", "yes", "no", "on", "off", "y", "n"}, strings.ToLower(s)) {
		return s
	}
	b, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
	return string(b)
}

func flow(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var profileTemplate = template.Must(template.New("profile").Funcs(template.FuncMap{
	"q": quote, "flow": flow,
	"on": func(list []string, v string) bool { return slices.Contains(list, v) },
	// targets lists the gateway targets as prose: "a, b or c".
	"targets": func() string {
		c := GatewayChoices()
		return strings.Join(c[:len(c)-1], ", ") + " or " + c[len(c)-1]
	},
}).Parse(`# yaml-language-server: $schema={{.SchemaURL}}
# Written by ` + "`authctl init`" + `. Every field is documented in docs/profile.md.
# Offline, the editor schema above comes from this authctl instead:
#   authctl schema > profile.schema.json   (then $schema=./profile.schema.json)
# Next: authctl validate -f {{.File}}
#       authctl secrets generate -f {{.File}}
#       authctl render -f {{.File}}
apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  # Prefix of every object name (a DNS label).
  name: {{q .A.Name}}
  namespace: {{q .A.Namespace}}
spec:
  # Public hosts derive from the domain: auth.{{.A.Domain}} (login UI),
  # id.{{.A.Domain}} (Kratos) and oauth.{{.A.Domain}} (the OIDC issuer).
  # Session cookies are scoped to it.
  domain: {{q .A.Domain}}
  # A component switched off is not rendered (the UI needs Kratos).
  components:
{{- range .AllComponents}}
    {{.}}:
      enabled: {{on $.A.Components .}}
{{- end}}
  database:
{{- if eq .A.Database "external"}}
    # DSNs come from Secrets you create: key "dsn" holds e.g.
    # postgres://user:pass@host:5432/kratos?sslmode=require
    mode: external
    external:
      driver: postgres
      kratos:
        name: {{q .A.Name}}-kratos-dsn
        key: dsn
      hydra:
        name: {{q .A.Name}}-hydra-dsn
        key: dsn
{{- else}}
    # sqlite: a single-replica trial on a PersistentVolumeClaim. Switch to
    # external (Postgres DSNs from Secrets) for more than one replica.
    mode: sqlite
{{- end}}
  kratos:
    # Login methods; social providers below add the oidc method.
    methods: {{flow .A.Methods}}
    # Self-service registration; off means only admins create identities.
    registration: {{.A.Registration}}
{{- if .A.Social}}
    # Social sign-in. Create the Secret holding each client secret (key
    # client-secret); secrets never go in the profile.
    oidcProviders:
{{- range .A.Social}}
      - id: {{q .Provider}}
        provider: {{q .Provider}}
        clientID: {{q .ClientID}}
        clientSecretRef:
          name: {{q $.A.Name}}-{{.Provider}}-oauth
          key: client-secret
{{- end}}
{{- end}}
  # How requests reach Oathkeeper: {{targets}}.
  gateway:
    target: {{q .A.Gateway}}
{{- if .A.NeedsIngressClass}}
    # The IngressClass of your ingress controller (kubectl get ingressclass).
    ingressClassName: {{q .A.IngressClass}}
{{- end}}
{{- if .A.NeedsTLS}}
{{- if .A.ExternalTLS}}
    # A load balancer in front of the gateway terminates TLS.
    externalTLS: true
{{- else}}
    # The certificate of the public hosts; create it before the first apply:
    #   kubectl -n {{.A.Namespace}} create secret tls {{.A.TLSSecretName}} --cert=tls.crt --key=tls.key
    tlsSecretName: {{q .A.TLSSecretName}}
{{- end}}
{{- end}}
  # kubectl login through the same identity provider (authctl login).
  kubernetes:
    enabled: true
{{- if .A.RoleBindings}}
    # Members of these groups (identity metadata_public.groups) get the ClusterRole.
    roleBindings:
{{- range .A.RoleBindings}}
      - group: {{q .Group}}
        clusterRole: {{q .ClusterRole}}
{{- end}}
{{- end}}
{{- if .A.Services}}
  # Protected services: a browser without a session is sent to the login page.
  services:
{{- range .A.Services}}
    - name: {{q .Name}}
      hosts: [{{q .Host}}]
      upstream:
        url: {{q .Upstream}}
      allow: [session]
{{- end}}
{{- end}}
`))

// Profile renders the answers as a commented profile and validates it with
// the same parser `authctl validate` uses. file is the path it will be
// written to; it appears in the header and in validation errors.
func (a Answers) Profile(file string) ([]byte, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err := profileTemplate.Execute(&buf, struct {
		A             Answers
		SchemaURL     string
		File          string
		AllComponents []string
	}{a, SchemaURL, filepath.Base(file), ComponentChoices})
	if err != nil {
		return nil, fmt.Errorf("could not render the profile: %w", err)
	}
	if _, err := profile.Parse(file, filepath.Dir(file), buf.Bytes()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
