package render

import "github.com/authctl/authctl/pkg/profile"

// model is one render's resolved input, built once at the top of Render
// and passed to every builder: the profile, its wiring (asked for once),
// the enabled components, the names of the objects Go generates and the
// templates mount, the identity schemas (read once) and the rule set.
type model struct {
	p          *profile.Profile
	w          profile.Wiring
	components []string
	names      objectNames
	schemas    []SchemaFile
	rules      *RuleSet
}

// objectNames are the ConfigMaps and Secrets that Go generates (base.go's
// buildBase) and the templates mount (.Values.configMaps, .Values.secrets):
// spelled here only.
type objectNames struct {
	ConfigMaps configMapNames
	// Secrets is the Secret each component reads, by policy.
	Secrets map[string]string
}

// configMapNames are the generated ConfigMaps, as the templates read them.
type configMapNames struct {
	Kratos        string `json:"kratos"`
	KratosSchemas string `json:"kratosSchemas"`
	Hydra         string `json:"hydra"`
	Oathkeeper    string `json:"oathkeeper"`
	Envoy         string `json:"envoy"`
}

// newModel resolves a profile for rendering: the whole model, rules and
// schemas included.
func newModel(p *profile.Profile) *model {
	m := wired(p)
	m.schemas = SchemaFiles(p)
	m.rules = buildRules(m)
	return m
}

// wired is the model without the rules and schemas, for the exported
// builders that need only the wiring (KratosConfig, OIDCFlags, …).
func wired(p *profile.Profile) *model {
	name := p.Metadata.Name
	return &model{
		p: p, w: p.Wiring(),
		components: enabledComponents(p),
		names: objectNames{
			ConfigMaps: configMapNames{
				Kratos: name + "-kratos-config", KratosSchemas: name + "-kratos-schemas",
				Hydra: name + "-hydra-config", Oathkeeper: name + "-oathkeeper-config", Envoy: name + "-envoy-config",
			},
			Secrets: secretNames(p),
		},
	}
}

// schemaFiles are the identity schemas: read once per render, or now for
// a model without them.
func (m *model) schemaFiles() []SchemaFile {
	if m.schemas == nil {
		m.schemas = SchemaFiles(m.p)
	}
	return m.schemas
}
