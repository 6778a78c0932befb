package input

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzEachIdentity: an identity file in any of the three formats either
// yields identities that pass Validate, each from a line of the file, or
// stops with an error that names the file (and, for item errors, the
// line), so bad input never reaches Kratos unlocated.
func FuzzEachIdentity(f *testing.F) {
	for _, s := range []struct {
		format byte
		data   string
	}{
		{0, "- traits: {email: a@x.io}\n  credentials: {password: {config: {hashed_password: \"" + bcrypt + "\"}}}\n- traits: {email: b@x.io}\n  state: inactive\n"},
		{0, "identities:\n  - traits: {email: a@x.io}\n    metadata_public: {groups: [admins]}\n    credentials: {oidc: {config: {providers: [{provider: google, subject: \"1\"}]}}}\n"},
		{0, "identities: {}\n"},
		{0, "- &t {traits: {email: a@x.io}}\n- *t\n"},
		{1, `[{"traits": {"email": "a@x.io"}, "credentials": {"password": {"config": {"password": "x", "hashed_password": "y"}}}}]`},
		{1, `{"identities": [{"traits": {"email": "a@x.io"}, "state": "deleted"}]}`},
		{2, "{\"traits\":{\"email\":\"a@x.io\"}}\n\n# comment\n{\"traits\":{}}\n"},
		{2, "{\"traits\":{\"email\":\"a@x.io\"}} {\"traits\":{\"email\":\"b@x.io\"}}\n"},
		{2, "{\"traits\":{\"email\":\"a@x.io\"},\"unknown\":1}\r\n"},
	} {
		f.Add(s.format, []byte(s.data))
	}
	names := []string{"ids.yaml", "ids.json", "ids.ndjson"}
	// One directory per fuzzing process: executions in a process run one
	// at a time, and a temp dir per execution costs more than the parse.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, format byte, data []byte) {
		path := filepath.Join(dir, names[int(format)%len(names)])
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(string(data), "\n") + 1
		n := 0
		err := EachIdentity(path, func(id *Identity) error {
			n++
			if verr := id.Validate(); verr != nil {
				t.Fatalf("yielded an invalid identity: %v", verr)
			}
			if id.Source.File != path || id.Source.Line < 1 || id.Source.Line > lines {
				t.Fatalf("identity from %s, file has %d lines", id.Source, lines)
			}
			return nil
		})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error without the file: %v", err)
			}
			var ie *Error
			if strings.Contains(err.Error(), "invalid identity") && (!errors.As(err, &ie) || ie.Source.Line < 1) {
				t.Fatalf("an invalid item without its line: %v", err)
			}
			return
		}
		// Progress totals come from Count; for YAML and JSON they are exact.
		if names[int(format)%len(names)] != "ids.ndjson" {
			if c, cerr := Count(path, "identities"); cerr != nil || c != n {
				t.Fatalf("Count = %d (%v), EachIdentity yielded %d", c, cerr, n)
			}
		}
	})
}
