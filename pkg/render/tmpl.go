package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
)

// The templates are Helm-style Go templates (sprig functions, include,
// toYaml), run with text/template directly rather than with Helm's engine:
// Helm's engine package pulls in client-go (for lookup) and a JSON-schema
// validator whose package init alone cost every authctl command, version
// included, more than the whole render of a small profile (issue 15).
// Only what the templates need is provided, with Helm's semantics:
//   - sprig's functions without env and expandenv (rendering is hermetic);
//   - include, which runs a named template into a string (depth-limited);
//   - toYaml, sigs.k8s.io/yaml without the trailing newline;
//   - missingkey=error, as Helm's strict mode: a misspelt value key fails
//     the render instead of printing nothing;
//   - "<no value>" (a nil value printed) becomes "", as Helm does.
// The rendered objects never carry template markers of ours: the chart
// that `render --format helm` writes holds the rendered objects, escaped.

// includeDepth bounds include recursion, as Helm does.
const includeDepth = 1000

// executeTemplates parses every .yaml and .tpl file of tfs into one set
// (so a define in any file is visible to all) and runs each .yaml file on
// data. The result maps file name to output.
func executeTemplates(tfs fs.FS, data map[string]any) (map[string]string, error) {
	entries, err := fs.ReadDir(tfs, ".")
	if err != nil {
		return nil, fmt.Errorf("could not read templates: %w", err)
	}
	root := template.New("authctl").Option("missingkey=error")
	depth := 0
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["include"] = func(name string, data any) (string, error) {
		if depth >= includeDepth {
			return "", fmt.Errorf("include %q: nested more than %d deep", name, includeDepth)
		}
		depth++
		defer func() { depth-- }()
		var b strings.Builder
		if err := root.ExecuteTemplate(&b, name, data); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	root.Funcs(funcs)
	var pages []string
	for _, e := range entries {
		name := e.Name()
		isPage := strings.HasSuffix(name, ".yaml")
		if e.IsDir() || !(isPage || strings.HasSuffix(name, ".tpl")) {
			continue
		}
		src, err := fs.ReadFile(tfs, name)
		if err != nil {
			return nil, fmt.Errorf("could not read template %s: %w", name, err)
		}
		if _, err := root.New(name).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("could not parse template %s: %w", name, err)
		}
		if isPage {
			pages = append(pages, name)
		}
	}
	sort.Strings(pages)
	out := make(map[string]string, len(pages))
	for _, name := range pages {
		var b strings.Builder
		if err := root.ExecuteTemplate(&b, name, data); err != nil {
			return nil, fmt.Errorf("could not render templates: %w", err)
		}
		out[name] = strings.ReplaceAll(b.String(), "<no value>", "")
	}
	return out, nil
}

// toYAML is Helm's toYaml: YAML without the final newline, and "" for a
// value that cannot be marshalled.
func toYAML(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

// renderTemplates runs the templates (executeTemplates) and returns the YAML
// documents in a stable order.
func renderTemplates(tfs fs.FS, p *profile.Profile, vals map[string]any) ([][]byte, error) {
	out, err := executeTemplates(tfs, map[string]any{
		"Values":  vals,
		"Release": map[string]any{"Name": p.Metadata.Name, "Namespace": p.Metadata.Namespace},
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	var docs [][]byte
	for _, n := range names {
		if strings.HasSuffix(n, ".tpl") {
			continue
		}
		for _, d := range splitYAML([]byte(out[n])) {
			var m map[string]any
			if err := yaml.Unmarshal(d, &m); err != nil {
				return nil, fmt.Errorf("template %s produced invalid YAML: %w\n%s", n, err, d)
			}
			if len(m) == 0 {
				continue
			}
			docs = append(docs, d)
		}
	}
	return docs, nil
}

func splitYAML(data []byte) [][]byte {
	var out [][]byte
	for _, part := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(part)) > 0 {
			out = append(out, part)
		}
	}
	return out
}
