package input

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const bcrypt = "$2a$04$uDnRn.gpl9XH2Dfo.iHZ2uU7rD0jD6aU7B4I2kXfB7LrN7kDqQ1iS"

func TestEachIdentityFormatsAndLines(t *testing.T) {
	cases := []struct {
		name, file, data string
		wantEmails       []string
		wantLines        []int
	}{
		{"yaml list", "a.yaml", "- traits: {email: a@x.io}\n- traits: {email: b@x.io}\n", []string{"a@x.io", "b@x.io"}, []int{1, 2}},
		{"yaml key", "a.yml", "identities:\n  - traits:\n      email: a@x.io\n  - traits: {email: b@x.io}\n", []string{"a@x.io", "b@x.io"}, []int{2, 4}},
		{"json array", "a.json", "[\n {\"traits\": {\"email\": \"a@x.io\"}},\n {\"traits\": {\"email\": \"b@x.io\"}}\n]", []string{"a@x.io", "b@x.io"}, []int{2, 3}},
		{"json key", "a.json", `{"identities": [{"traits": {"email": "a@x.io"}}]}`, []string{"a@x.io"}, []int{1}},
		{"ndjson with blanks and comments", "a.ndjson", "{\"traits\":{\"email\":\"a@x.io\"}}\n\n# comment\n{\"traits\":{\"email\":\"b@x.io\"}}", []string{"a@x.io", "b@x.io"}, []int{1, 4}},
		{"jsonl crlf", "a.jsonl", "{\"traits\":{\"email\":\"a@x.io\"}}\r\n", []string{"a@x.io"}, []int{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.file, tc.data)
			var emails []string
			var lines []int
			err := EachIdentity(path, func(id *Identity) error {
				emails = append(emails, id.Traits["email"].(string))
				lines = append(lines, id.Source.Line)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(emails, ",") != strings.Join(tc.wantEmails, ",") {
				t.Errorf("emails %v, want %v", emails, tc.wantEmails)
			}
			for i := range lines {
				if i >= len(tc.wantLines) || lines[i] != tc.wantLines[i] {
					t.Errorf("lines %v, want %v", lines, tc.wantLines)
					break
				}
			}
			if n, err := Count(path, "identities"); err != nil || n != len(tc.wantEmails) {
				t.Errorf("Count = %d, %v", n, err)
			}
		})
	}
}

func TestEachIdentityErrors(t *testing.T) {
	cases := []struct {
		name, file, data, want string
		line                   int
	}{
		{"unknown field", "a.ndjson", `{"traits":{"email":"a"}}` + "\n" + `{"traits":{"email":"b"},"metdata_public":{}}`, `unknown field "metdata_public"`, 2},
		{"no traits", "a.yaml", "- state: active\n", "traits are required", 1},
		{"bad state", "a.yaml", "- traits: {email: a}\n  state: banned\n", `state "banned"`, 1},
		{"both passwords", "a.yaml", "- traits: {email: a}\n  credentials: {password: {config: {password: x, hashed_password: '" + bcrypt + "'}}}\n", "not both", 1},
		{"unknown hash", "a.yaml", "- traits: {email: a}\n  credentials: {password: {config: {hashed_password: 'md5:abc'}}}\n", "unknown hash format", 1},
		{"oidc without subject", "a.yaml", "- traits: {email: a}\n  credentials: {oidc: {config: {providers: [{provider: github}]}}}\n", "provider and subject are required", 1},
		{"broken ndjson", "a.ndjson", "{\"traits\":{\"email\":\"a\"}}\n{\"traits\":", "invalid identity", 2},
		{"scalar document", "a.yaml", "hello\n", "expected a list of items", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.file, tc.data)
			err := EachIdentity(path, func(*Identity) error { return nil })
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("want *input.Error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || ie.Source.Line != tc.line {
				t.Fatalf("got %v (line %d), want %q at line %d", err, ie.Source.Line, tc.want, tc.line)
			}
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("error does not start with file:line: %v", err)
			}
		})
	}
}

func TestHashFormats(t *testing.T) {
	for _, h := range []string{bcrypt, "$2b$10$x", "$argon2id$v=19$m=16,t=2,p=1$c2FsdA$aGFzaA", "$argon2i$v=19$x", "$pbkdf2-sha256$i=1000,l=32$c2FsdA$aGFzaA",
		"$scrypt$ln=16384,r=8,p=1$c2FsdA$aGFzaA", "$firescrypt$x", "$sha256$x", "{SSHA}abc", "$md5-crypt$x", "$hmac-sha256$x"} {
		id := Identity{Traits: map[string]any{"e": "x"}, Credentials: &IdentityCredentials{Password: &PasswordCredential{Config: PasswordConfig{HashedPassword: h}}}}
		if err := id.Validate(); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
}

func TestReadClients(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "web.secret"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CI_SECRET": "from-env"}
	getenv := func(k string) string { return env[k] }
	good := filepath.Join(dir, "clients.yaml")
	_ = os.WriteFile(good, []byte(`clients:
  - client_id: ci
    client_secret_env: CI_SECRET
    grant_types: [client_credentials]
  - client_id: web
    client_secret_file: web.secret
    redirect_uris: [https://app.example.com/cb]
    secret_name: web-oauth
  - client_id: kubectl
    token_endpoint_auth_method: none
    created_at: "2024-01-01T00:00:00Z"
`), 0o600)
	cs, err := ReadClients(good, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[0].Secret != "from-env" || cs[1].Secret != "from-file" || cs[1].SecretName != "web-oauth" || !cs[2].IsPublic() || cs[2].SecretName != "kubectl" {
		t.Fatalf("unexpected clients: %+v %+v %+v", cs[0], cs[1], cs[2])
	}
	if _, ok := cs[2].Fields["created_at"]; ok {
		t.Error("server-managed field kept")
	}
	if cs[1].Source.Line != 5 {
		t.Errorf("web at line %d, want 5", cs[1].Source.Line)
	}

	bad := []struct{ name, data, want string }{
		{"unknown field", "- client_id: a\n  redirect_uri: [x]\n", "unknown client field(s) redirect_uri"},
		{"missing id", "- client_name: a\n", "a caller-chosen id"},
		{"duplicate", "- client_id: a\n- client_id: a\n", "already defined at"},
		{"empty env", "- client_id: a\n  client_secret_env: NOPE\n", `"NOPE" is empty or unset`},
		{"public with secret", "- client_id: a\n  token_endpoint_auth_method: none\n  client_secret: s\n", "public client"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadClients(write(t, "c.yaml", tc.data), getenv)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNDJSONStreamsWithoutLoading(t *testing.T) {
	// The callback sees the first item before the reader reaches the end:
	// stopping early must not read the rest.
	var b strings.Builder
	for range 10000 {
		b.WriteString(`{"traits":{"email":"a@x.io"}}` + "\n")
	}
	path := write(t, "big.ndjson", b.String())
	stop := errors.New("stop")
	n := 0
	err := EachIdentity(path, func(*Identity) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("got %v after %d items", err, n)
	}
}

// Two confidential clients whose generated secrets would land in one
// Kubernetes Secret are rejected while parsing, at the second one's line;
// public clients (no Secret) and a distinct secret_name are fine.
func TestReadClientsSecretNameCollision(t *testing.T) {
	for name, tc := range map[string]struct {
		data     string
		wantLine int
		wantErr  string
	}{
		"dot and dash":         {"- client_id: ci.deploy\n- client_id: ci-deploy\n", 2, `client "ci-deploy" would write its secret to the Secret "ci-deploy", like client "ci.deploy" at `},
		"case":                 {"- client_id: CI\n- {client_id: x}\n- client_id: ci\n", 3, `like client "CI"`},
		"secret_name":          {"- client_id: a\n- {client_id: b, secret_name: A}\n", 2, `Secret "a"`},
		"distinct secret_name": {"- client_id: ci.deploy\n- {client_id: ci-deploy, secret_name: ci-deploy-2}\n", 0, ""},
		"public clients":       {"- {client_id: k.a, token_endpoint_auth_method: none}\n- {client_id: k-a, token_endpoint_auth_method: none}\n", 0, ""},
	} {
		t.Run(name, func(t *testing.T) {
			path := write(t, "clients.yaml", tc.data)
			_, err := ReadClients(path, nil)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ie *Error
			if !errors.As(err, &ie) || ie.Source.Line != tc.wantLine || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path+":") {
				t.Fatalf("err = %v, want %q at line %d", err, tc.wantErr, tc.wantLine)
			}
		})
	}
}
