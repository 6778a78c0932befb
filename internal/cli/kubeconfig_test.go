package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

func TestKubectlCommandFlags(t *testing.T) {
	streams := IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	var got *kubeconfig.Options
	cmd := newGetTokenCommand(NewFactory(streams), func(o *kubeconfig.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--issuer-url=https://i/", "--client-id=k", "--scope=email", "--scope=groups", "--listen=127.0.0.1:1", "--skip-open-browser"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.IssuerURL != "https://i/" || strings.Join(got.ExtraScopes, ",") != "email,groups" || got.Listen[0] != "127.0.0.1:1" || !got.SkipOpenBrowser {
		t.Fatalf("get-token options %+v", got)
	}

	var setup *KubeconfigSetupOptions
	kc := newKubeconfigCommand(NewFactory(streams), func(o *KubeconfigSetupOptions) error { setup = o; return nil })
	kc.SetArgs([]string{"setup", "-f", "p.yaml", "--cluster", "c", "--grant-type=client-credentials", "--client-id=ci", "--audience=kubectl", "--no-login"})
	if err := kc.Execute(); err != nil {
		t.Fatal(err)
	}
	if setup.ProfileFile != "p.yaml" || setup.Cluster != "c" || setup.Token.Grant != kubeconfig.GrantClientCredentials || !setup.NoLogin {
		t.Fatalf("setup options %+v", setup)
	}
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"setup without profile":  {(&KubeconfigSetupOptions{}).Validate(), "-f PROFILE, or --issuer-url"},
		"setup print+register":   {(&KubeconfigSetupOptions{ProfileFile: "p", PrintClient: true, HydraAdminURL: "x"}).Validate(), "exclude"},
		"logout without a login": {(&LogoutOptions{}).Validate(), "--all"},
		"login bad output":       {(&LoginOptions{Output: "table"}).Validate(), "allowed: text, json, yaml"},
		"verify without issuer":  {(&TokenVerifyOptions{}).Validate(), "--issuer-url"},
		"token hook w/o kratos":  {(&ServeTokenHookOptions{}).Validate(), "--kratos-admin-url"},
		"token hook w/o key":     {(&ServeTokenHookOptions{KratosAdminURL: "http://k"}).Validate(), "AUTHCTL_TOKEN_HOOK_KEY"},
		"token hook short key":   {(&ServeTokenHookOptions{KratosAdminURL: "http://k", APIKey: "short"}).Validate(), "at least 16"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, tc.err, tc.want)
		}
	}
}

// kubeconfig migrate: the diff is data (stdout), the notes are not; a
// dry run leaves the file alone.
func TestKubeconfigMigrateDryRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	content := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://c.example.com'}\nusers:\n- name: oidc\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubectl\n      args: [oidc-login, get-token, --oidc-issuer-url=https://i.example.com, --oidc-client-id=k]\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "kubeconfig", "migrate", "--dry-run", "--kubeconfig", path, "--exec-command", "authctl-get-token")
	if code != ExitOK || !strings.Contains(out, "+      command: authctl-get-token") || strings.Contains(out, "note:") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, `user "oidc": now runs authctl-get-token`) || !strings.Contains(errOut, "dry run: "+path+" is unchanged") {
		t.Fatalf("stderr:\n%s", errOut)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Fatal("the dry run wrote the file")
	}
	_, errOut, code = run(t, "kubeconfig", "migrate", "--kubeconfig", path, "--exec-command", "authctl-get-token")
	if code != ExitOK || !strings.Contains(errOut, "migrated 1 user in "+path) {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}
