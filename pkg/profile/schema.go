package profile

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// SchemaID is where the profile schema is published; editors use it
// through a "# yaml-language-server: $schema=" comment.
const SchemaID = "https://authctl.dev/schemas/profile-v1alpha1.json"

// JSONSchema returns the JSON Schema of the profile, generated from the Go
// types so the schema and the loader cannot drift apart.
func JSONSchema() ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "yaml", RequiredFromJSONSchemaTags: false}
	s := r.Reflect(&Profile{})
	s.ID = SchemaID
	s.Title = "authctl profile"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
