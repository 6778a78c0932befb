package cli

import (
	"strings"
	"testing"
)

// get-token with no cached token and nobody to log in exits 4 with the
// login command, prints no ExecCredential and opens nothing (the login
// package's tests cover why; this is the exit code kubectl sees).
func TestGetTokenAuthRequiredExitsFour(t *testing.T) {
	t.Setenv("KUBERNETES_EXEC_INFO", `{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`)
	out, errOut, code := run(t, "get-token", "--issuer-url=https://127.0.0.1:1/", "--client-id=kubectl", "--token-cache-dir="+t.TempDir(), "--browser-command=false")
	if code != ExitAuth {
		t.Fatalf("exit %d, want %d\n%s", code, ExitAuth, errOut)
	}
	if out != "" {
		t.Fatalf("printed %q", out)
	}
	if !strings.Contains(errOut, "error: authentication required") || !strings.Contains(errOut, "try: authctl login --issuer-url=https://127.0.0.1:1/ --client-id=kubectl") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}
