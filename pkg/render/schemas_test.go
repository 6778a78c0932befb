package render_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

const schemaHeader = "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: dev\nspec:\n  domain: example.com\n"

// TestSchemaFiles: no schema gives the default (valid JSON, id default);
// a file schema is read beside the profile and an inline one kept as
// written, each mounted as ID.schema.json, in profile order.
func TestSchemaFiles(t *testing.T) {
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(schemaHeader))
	if err != nil {
		t.Fatal(err)
	}
	def := render.SchemaFiles(p)
	if len(def) != 1 || def[0].ID != "default" || def[0].FileName != "default.schema.json" || !json.Valid(def[0].Content) {
		t.Fatalf("default schema: %+v", def)
	}

	dir := t.TempDir()
	fileSchema := `{"$id": "file", "type": "object", "properties": {"traits": {"type": "object", "properties": {"email": {"type": "string", "format": "email", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}}}}}`
	if err := os.WriteFile(filepath.Join(dir, "staff.json"), []byte(fileSchema), 0o600); err != nil {
		t.Fatal(err)
	}
	inline := `{"$id": "inline", "type": "object", "properties": {"traits": {"type": "object", "properties": {"email": {"type": "string", "format": "email", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}}}}}`
	doc := schemaHeader + "  kratos:\n    identitySchemas:\n      - {id: staff, file: staff.json}\n      - id: guests\n        inline: '" + inline + "'\n"
	p, err = profile.Parse("p.yaml", dir, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got := render.SchemaFiles(p)
	if len(got) != 2 || got[0].FileName != "staff.schema.json" || string(got[0].Content) != fileSchema ||
		got[1].FileName != "guests.schema.json" || string(got[1].Content) != inline {
		t.Errorf("schemas: %+v", got)
	}
}
