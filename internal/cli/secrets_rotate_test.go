package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/secrets"
)

// TestSecretsRotateAndPrune: rotate keeps the old values (nothing printed
// on stdout, the file stays 0600), prune keeps them while what was made
// with them may live, and drops them with --older-than; an unknown name
// and the other policies are answered with what to do.
func TestSecretsRotateAndPrune(t *testing.T) {
	dir := t.TempDir()
	sf := filepath.Join(dir, "s.yaml")
	const p = "../../examples/minimal.yaml"
	if _, _, code := run(t, "secrets", "generate", "-f", p, "--secrets-file", sf); code != 0 {
		t.Fatal("generate failed")
	}
	before, _ := secrets.Load(sf)
	out, errOut, code := run(t, "secrets", "rotate", "-f", p, "--secrets-file", sf, "kratos-cookie", "hydra-system")
	if code != 0 || out != "" || !strings.Contains(errOut, "rotated kratos-cookie (kratos.cookie): the old value stays valid until pruned") || !strings.Contains(errOut, "next: authctl apply") {
		t.Fatalf("rotate: code %d out %q err %q", code, out, errOut)
	}
	after, _ := secrets.Load(sf)
	if len(after.Kratos.Cookie) != 2 || after.Kratos.Cookie[1] != before.Kratos.Cookie[0] || len(after.Kratos.Cipher) != 1 {
		t.Fatalf("after rotate: cookie %d values, cipher %d", len(after.Kratos.Cookie), len(after.Kratos.Cipher))
	}
	if strings.Contains(errOut, after.Kratos.Cookie[0]) {
		t.Fatal("rotate printed the new value")
	}
	if fi, _ := os.Stat(sf); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}

	_, errOut, code = run(t, "secrets", "prune", "-f", p, "--secrets-file", sf)
	if code != 0 || !strings.Contains(errOut, "kept kratos-cookie: what was made with its old values may be in use until") {
		t.Fatalf("prune right after rotate: code %d err %q", code, errOut)
	}
	if f, _ := secrets.Load(sf); len(f.Kratos.Cookie) != 2 {
		t.Fatal("prune dropped a value still in use")
	}
	_, errOut, code = run(t, "secrets", "prune", "-f", p, "--secrets-file", sf, "kratos-cookie", "--older-than", "1ns")
	if f, _ := secrets.Load(sf); code != 0 || len(f.Kratos.Cookie) != 1 || f.Kratos.Cookie[0] != after.Kratos.Cookie[0] || len(f.Hydra.System) != 2 {
		t.Fatalf("prune --older-than: code %d err %q", code, errOut)
	}

	if _, errOut, code := run(t, "secrets", "rotate", "-f", p, "--secrets-file", sf, "kratos-cookies"); code != ExitError || !strings.Contains(errOut, `unknown secret "kratos-cookies"`) {
		t.Fatalf("unknown name: %d %q", code, errOut)
	}
	out, _, code = run(t, "secrets", "rotate", "-f", "../../examples/production.yaml")
	if code != 0 || !strings.Contains(out, "put a new value first and keep the old ones") {
		t.Fatalf("existingSecret: %d %q", code, out)
	}
	if _, errOut, code := run(t, "secrets", "prune", "-f", "../../examples/external-secrets.yaml"); code != ExitError || !strings.Contains(errOut, "your secret store") {
		t.Fatalf("externalSecret: %d %q", code, errOut)
	}
}
