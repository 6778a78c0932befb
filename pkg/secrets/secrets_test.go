package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseErrorsCarryPosition(t *testing.T) {
	cases := []struct{ name, input, want string }{
		{"cipher not 32", "apiVersion: authctl.dev/v1alpha1\nkind: Secrets\nkratos:\n  cipher: [short-cipher]\n", "s.yaml:4:12: kratos.cipher[0]: secret has 12 characters (Ory requires exactly 32 characters"},
		{"default too short", "apiVersion: authctl.dev/v1alpha1\nkind: Secrets\nkratos:\n  default: [abc]\n", "s.yaml:4:13: kratos.default[0]: secret has 3 characters (Ory requires at least 16"},
		{"unknown field", "apiVersion: authctl.dev/v1alpha1\nkind: Secrets\nkratoz: {}\n", `s.yaml:3:1: kratoz: unknown field "kratoz"`},
		{"wrong kind", "apiVersion: authctl.dev/v1alpha1\nkind: Profile\n", `s.yaml:2:7: kind: unsupported kind "Profile" (use Secrets)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tc.input))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestFillKeepsExistingAndSavesPrivately: generating twice never changes a
// value, and the file is 0600 in a git-ignored directory.
func TestFillKeepsExistingAndSavesPrivately(t *testing.T) {
	f := &File{}
	n, err := Generator{}.Fill(f)
	if err != nil || n == 0 {
		t.Fatalf("fill: %d, %v", n, err)
	}
	if len(f.Kratos.Cipher[0]) != 32 || len(f.Hydra.System[0]) < 16 || len(f.Hydra.TokenHookKey) != 32 || !strings.Contains(f.Oathkeeper.JWKS, `"d":`) {
		t.Fatalf("generated values do not meet Ory's rules: %+v", f.Kratos)
	}
	before := *f
	if n, err := (Generator{}).Fill(f); err != nil || n != 0 {
		t.Fatalf("second fill created %d secrets (%v)", n, err)
	}
	if f.Kratos.Cipher[0] != before.Kratos.Cipher[0] || f.Oathkeeper.JWKS != before.Oathkeeper.JWKS || f.Hydra.TokenHookKey != before.Hydra.TokenHookKey {
		t.Fatal("a second fill changed an existing value")
	}
	path := filepath.Join(t.TempDir(), ".authctl", "dev.secrets.yaml")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", fi, err)
	}
	if data, _ := os.ReadFile(filepath.Join(filepath.Dir(path), ".gitignore")); !strings.Contains(string(data), "*") {
		t.Fatal("the secrets directory is not git-ignored")
	}
	back, err := Load(path)
	if err != nil || back.Kratos.Cipher[0] != f.Kratos.Cipher[0] {
		t.Fatalf("load after save: %v", err)
	}
}

// TestFillFile: the first run creates the file (0600, git-ignored), a
// second adds nothing and leaves the bytes as they were, and a value added
// by hand survives a run that fills a removed one.
func TestFillFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".authctl", "dev.secrets.yaml")
	n, err := Generator{}.FillFile(path)
	if err != nil || n == 0 {
		t.Fatalf("first run: %d, %v", n, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", fi, err)
	}
	first, _ := os.ReadFile(path)
	if n, err := (Generator{}).FillFile(path); err != nil || n != 0 {
		t.Fatalf("second run added %d (%v)", n, err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Fatal("a run that added nothing rewrote the file")
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Hydra.TokenHookKey, f.UI.Cookie = "", "kept-by-hand-kept-by-hand-kept-b"
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	if n, err := (Generator{}).FillFile(path); err != nil || n != 1 {
		t.Fatalf("refill added %d (%v), want 1", n, err)
	}
	back, err := Load(path)
	if err != nil || back.UI.Cookie != "kept-by-hand-kept-by-hand-kept-b" || back.Hydra.TokenHookKey == "" {
		t.Fatalf("after refill: %v %+v", err, back.UI)
	}
	if err := os.WriteFile(path, []byte("kratos: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (Generator{}).FillFile(path); err == nil {
		t.Fatal("a broken file was filled over")
	}
	if data, _ := os.ReadFile(path); string(data) != "kratos: [\n" {
		t.Fatal("a broken file was overwritten")
	}
}
