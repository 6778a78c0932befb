package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
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

// Issue 20 finding 6, as kubectl meets it: a valid token planted in a
// token cache directory others may write to is not printed; get-token
// exits 1 with the refusal and the fix on its own line.
func TestGetTokenRefusesPlantedTokenInUnsafeDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	o := &kubeconfig.Options{IssuerURL: "https://127.0.0.1:1/", ClientID: "kubectl"}
	o.Defaults()
	b, _ := json.Marshal(kubeconfig.TokenSet{Token: "planted", Expiry: time.Now().Add(time.Hour)})
	if err := os.WriteFile(filepath.Join(dir, o.CacheKey()+".json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBERNETES_EXEC_INFO", `{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`)
	out, errOut, code := run(t, "get-token", "--issuer-url=https://127.0.0.1:1/", "--client-id=kubectl", "--token-cache-dir="+dir)
	if code != ExitError || strings.Contains(out, "planted") {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, errOut)
	}
	want := "error: refusing the token cache directory " + dir + ": group or others may write to it (mode -rwxrwxrwx), so another user could plant a token in it\ntry: chmod 700 " + dir
	if !strings.HasPrefix(errOut, want) {
		t.Fatalf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
}

// kubelogin's flag names are accepted but not listed in help.
func TestGetTokenHidesKubeloginFlags(t *testing.T) {
	help, _, _ := run(t, "get-token", "--help")
	for _, k := range kubeconfig.KubeloginFlags {
		if strings.Contains(help, "--"+k.Name) {
			t.Errorf("help lists kubelogin's --%s", k.Name)
		}
	}
	var got *kubeconfig.Options
	streams := IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	cmd := newGetTokenCommand(NewFactory(streams), func(o *kubeconfig.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--oidc-issuer-url=https://i/", "--oidc-client-id=k", "--oidc-extra-scope=email", "-v"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.IssuerURL != "https://i/" || got.ClientID != "k" || got.ExtraScopes[0] != "email" || !got.Debug() {
		t.Fatalf("options %+v", got)
	}
}

// logout deletes every entry of the login and says how many; nothing
// matched is exit 1 with the reason.
func TestLogoutSaysHowMany(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	c := kubeconfig.Cache{Dir: dir}
	for i, scopes := range [][]string{{"email"}, {"email", "groups"}} {
		o := &kubeconfig.Options{IssuerURL: "https://i.example.com/", ClientID: "kubectl", ExtraScopes: scopes}
		if err := c.Save(o.CacheKey(), &kubeconfig.TokenSet{Token: fmt.Sprint(i), Issuer: "https://i.example.com", ClientID: "kubectl"}); err != nil {
			t.Fatal(err)
		}
	}
	_, errOut, code := run(t, "logout", "--issuer-url=https://i.example.com/", "--client-id=kubectl", "--token-cache-dir="+dir)
	if code != ExitOK || errOut != "logged out: deleted 2 cached tokens for issuer https://i.example.com/ and client id \"kubectl\"\n" {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	_, errOut, code = run(t, "logout", "--issuer-url=https://made-up.example.com/", "--client-id=kubectl", "--token-cache-dir="+dir)
	if code != ExitError || !strings.HasPrefix(errOut, "error: nothing matched: no cached token for issuer https://made-up.example.com/ and client id \"kubectl\" in "+dir+"\ntry: authctl logout --all --token-cache-dir="+dir) {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}
