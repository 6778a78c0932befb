package render

import (
	"os"

	"github.com/authctl/authctl/pkg/profile"
)

// SchemaFile is one identity schema as mounted into Kratos.
type SchemaFile struct {
	ID       string
	FileName string
	Content  []byte
}

// defaultIdentitySchema is used when the profile names none: an email
// identifier usable by every login method, and a name.
const defaultIdentitySchema = `{
  "$id": "https://schemas.authctl.dev/identity/default.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Person",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string",
          "format": "email",
          "title": "E-Mail",
          "maxLength": 320,
          "ory.sh/kratos": {
            "credentials": {
              "password": {"identifier": true},
              "webauthn": {"identifier": true},
              "passkey": {"display_name": true},
              "totp": {"account_name": true},
              "code": {"identifier": true, "via": "email"}
            },
            "recovery": {"via": "email"},
            "verification": {"via": "email"}
          }
        },
        "name": {
          "type": "string",
          "title": "Name",
          "maxLength": 256
        }
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
}
`

// SchemaFiles returns the identity schemas of the profile, or the default.
func SchemaFiles(p *profile.Profile) []SchemaFile {
	if len(p.Spec.Kratos.IdentitySchemas) == 0 {
		return []SchemaFile{{ID: "default", FileName: "default.schema.json", Content: []byte(defaultIdentitySchema)}}
	}
	var out []SchemaFile
	for _, s := range p.Spec.Kratos.IdentitySchemas {
		content := []byte(s.Inline)
		if s.File != "" {
			// Validation already read the file once; read errors surface there.
			if data, err := os.ReadFile(p.ResolvePath(s.File)); err == nil {
				content = data
			}
		}
		out = append(out, SchemaFile{ID: s.ID, FileName: s.ID + ".schema.json", Content: content})
	}
	return out
}
