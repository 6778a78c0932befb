package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestSchemaOutput: schema prints the same JSON Schema as JSON (default)
// or YAML.
func TestSchemaOutput(t *testing.T) {
	js, errOut, code := run(t, "schema")
	if code != 0 {
		t.Fatal(errOut)
	}
	ys, errOut, code := run(t, "schema", "-o", "yaml")
	if code != 0 {
		t.Fatal(errOut)
	}
	var a, b map[string]any
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(ys), &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) || !strings.Contains(ys, "$defs:") {
		t.Error("the YAML schema is not the JSON one")
	}
	if _, errOut, code := run(t, "schema", "-o", "xml"); code == 0 || !strings.Contains(errOut, `unknown -o/--output "xml"`) {
		t.Errorf("-o xml: %d %s", code, errOut)
	}
}
