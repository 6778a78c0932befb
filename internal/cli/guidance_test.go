package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// staffSSO copies examples/staff-sso.yaml (Google SSO with registration
// off, no courier, a TLS Secret) and the bootstrap file it names into dir.
func staffSSO(t *testing.T, dir string) string {
	t.Helper()
	for _, f := range []string{"staff-sso.yaml", "bootstrap/staff-clients.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../examples", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "staff-sso.yaml")
}

// TestValidateWarnsBeforeItBites: a valid profile with dead ends is valid
// (exit 0) and says each on stderr, at its line, with the fix on a line of
// its own: kubectl with no courier, SSO with registration off, and each
// Secret to create with its kubectl line; -o json stays JSON on stdout and
// carries the same warnings and the Secrets as data.
func TestValidateWarnsBeforeItBites(t *testing.T) {
	file := staffSSO(t, t.TempDir())
	out, errOut, code := run(t, "validate", "-f", file)
	if code != ExitOK || out != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"warning: " + file + ":14:5: spec.kratos.courier: kubectl accepts only verified emails and there is no courier",
		"warning: " + file + ":17:19: spec.kratos.registration: registration is off: new people cannot sign in through SSO",
		"\n  fix: set spec.kratos.registration: true",
		"warning: " + file + ":23:17: spec.kratos.oidcProviders[0].clientSecretRef.name: create Secret google-oauth (client-secret) in namespace auth",
		"\n  fix: kubectl -n auth create secret generic google-oauth --from-literal=client-secret='<the OAuth2 client secret google issued for 1234567890-staff.apps.googleusercontent.com>'\n",
		"warning: " + file + ":31:20: spec.gateway.tlsSecretName: create Secret corp-example-com-tls (tls.crt, tls.key)",
		"\n  fix: kubectl -n auth create secret tls corp-example-com-tls --cert=<path/to/tls.crt> --key=<path/to/tls.key>\n",
		file + " is valid\n",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	out, errOut, code = run(t, "validate", "-f", file, "-o", "json")
	var rep struct {
		Valid    bool
		Errors   []any
		Warnings []struct {
			Path, Message, Hint string
			Line, Col           int
		}
		Secrets []struct {
			Name, Namespace, Type, Command string
			Keys                           []string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if code != ExitOK || !rep.Valid || len(rep.Errors) != 0 || len(rep.Warnings) != 4 || len(rep.Secrets) != 2 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	if w := rep.Warnings[1]; w.Path != "spec.kratos.registration" || w.Line != 17 || w.Col != 19 || !strings.HasPrefix(w.Hint, "set spec.kratos.registration: true") {
		t.Errorf("warning %+v", w)
	}
	if s := rep.Secrets[1]; s.Name != "google-oauth" || s.Namespace != "auth" || s.Type != "generic" || strings.Join(s.Keys, ",") != "client-secret" || !strings.HasPrefix(s.Command, "kubectl -n auth create secret generic google-oauth ") {
		t.Errorf("secret %+v", s)
	}
	if !strings.Contains(errOut, "warning: ") {
		t.Errorf("-o json: no warning on stderr:\n%s", errOut)
	}

	// Nothing to say: no warning at all.
	quiet := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(quiet, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  kratos: {registration: false}\n"), 0o644)
	if _, errOut, code := run(t, "validate", "-f", quiet); code != ExitOK || strings.Contains(errOut, "warning") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

// TestSecretsToCreateAfterInitAndGenerate: init and secrets generate list
// the Secrets they do not make, each with its kubectl line, on stderr; so
// does secrets generate for a policy it refuses.
func TestSecretsToCreateAfterInitAndGenerate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	out, errOut, code := run(t, "init", "--defaults", "-f", file, "--social", "google=123.apps.googleusercontent.com")
	want := "create these Secrets yourself before the first apply (authctl renders none of them):\n  dev-google-oauth (client-secret): the client secret of SSO provider google\n    kubectl -n auth create secret generic dev-google-oauth --from-literal=client-secret='<the OAuth2 client secret google issued for 123.apps.googleusercontent.com>'\n"
	if code != ExitOK || out != "" || !strings.Contains(errOut, want) {
		t.Fatalf("init: exit %d, stdout %q\n%s", code, out, errOut)
	}
	out, errOut, code = run(t, "secrets", "generate", "-f", file)
	if code != ExitOK || out != "" || !strings.Contains(errOut, want) {
		t.Fatalf("secrets generate: exit %d, stdout %q\n%s", code, out, errOut)
	}
	// Nothing to create: nothing said.
	if _, errOut, _ := run(t, "init", "--defaults", "--force", "-f", file); strings.Contains(errOut, "create these Secrets") {
		t.Errorf("init without user Secrets:\n%s", errOut)
	}
	existing := filepath.Join(dir, "existing.yaml")
	os.WriteFile(existing, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  secrets:\n    policy: existingSecret\n    existingSecret: {kratos: k, hydra: h, ui: u, oathkeeper: o}\n"), 0o644)
	_, errOut, code = run(t, "secrets", "generate", "-f", existing)
	if code != ExitError || !strings.Contains(errOut, "kubectl -n dev create secret generic k --from-literal=secretsCipher='<exactly 32 random characters>'") || !strings.Contains(errOut, `secrets policy is "existingSecret"`) {
		t.Errorf("secrets generate, existingSecret: exit %d\n%s", code, errOut)
	}
}
