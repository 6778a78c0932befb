package setup

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// A kubeconfig as `kubectl oidc-login setup` and krew/brew installs leave
// it, beside entries that are not kubelogin's.
const kubeloginConfig = `apiVersion: v1
kind: Config
current-context: prod
preferences: {}
clusters:
- name: prod
  cluster:
    server: https://prod.example.com
    certificate-authority-data: Y2EK
contexts:
- name: prod
  context: {cluster: prod, user: oidc, namespace: apps}
- name: dev
  context: {cluster: prod, user: brew}
- name: admin
  context: {cluster: prod, user: admin}
users:
- name: oidc
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubectl
      args:
      - oidc-login
      - get-token
      - --oidc-issuer-url=https://issuer.example.com
      - --oidc-client-id=kubernetes
      - --oidc-client-secret=s3cr3t
      - --oidc-extra-scope=email
      - --oidc-extra-scope=groups
      - --certificate-authority=/etc/ca/issuer.pem
      - --oidc-auth-request-extra-params=prompt=consent
      env:
      - {name: HTTPS_PROXY, value: "http://proxy:3128"}
      interactiveMode: IfAvailable
- name: brew
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /opt/homebrew/bin/kubelogin
      args: [get-token, --oidc-issuer-url, https://issuer.example.com, --oidc-client-id, kubernetes, --listen-address, "127.0.0.1:12345", --oidc-redirect-url-hostname, 127.0.0.1, -v1]
- name: admin
  user:
    client-certificate-data: Y2VydAo=
    client-key-data: a2V5Cg==
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, x]
`

func writeKubeconfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// migratedOptions parses a migrated user's exec arguments as get-token
// does.
func migratedOptions(t *testing.T, args []string) *kubeconfig.Options {
	t.Helper()
	fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &kubeconfig.Options{}
	kubeconfig.BindFlags(fs, o)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("authctl-get-token would refuse %q: %v", args, err)
	}
	o.Defaults()
	return o
}

func TestMigrateKubeloginUsers(t *testing.T) {
	path := writeKubeconfig(t, kubeloginConfig)
	before, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Migrate{Path: path, Plugin: Plugin{Command: "authctl-get-token", OnPath: true}}).Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Users) != 2 || res.Users[0].Name != "brew" || res.Users[1].Name != "oidc" || !strings.Contains(res.Diff, "+      command: authctl-get-token") {
		t.Fatalf("result %+v\n%s", res.Users, res.Diff)
	}
	after, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Everything else is kept.
	for _, name := range []string{"admin", "aws"} {
		if !reflect.DeepEqual(before.AuthInfos[name], after.AuthInfos[name]) {
			t.Errorf("user %s changed", name)
		}
	}
	if !reflect.DeepEqual(before.Clusters, after.Clusters) || !reflect.DeepEqual(before.Contexts, after.Contexts) || after.CurrentContext != "prod" {
		t.Error("clusters, contexts or the current context changed")
	}
	// The kubectl oidc-login user: same issuer, client, scopes, CA, auth
	// params; kubelogin's redirect (localhost:8000, :18000, no path); the
	// secret in the env, not the arguments; env and API version kept.
	e := after.AuthInfos["oidc"].Exec
	o := migratedOptions(t, e.Args)
	if e.Command != "authctl-get-token" || e.APIVersion != kubeconfig.ExecAPIv1beta1 || o.IssuerURL != "https://issuer.example.com" || o.ClientID != "kubernetes" ||
		strings.Join(o.ExtraScopes, ",") != "email,groups" || strings.Join(o.CAFiles, ",") != "/etc/ca/issuer.pem" || o.AuthParams["prompt"] != "consent" ||
		strings.Join(o.Listen, ",") != "127.0.0.1:8000,127.0.0.1:18000" || o.RedirectHost != "localhost" || !o.RedirectWithoutPath {
		t.Errorf("migrated oidc user: %+v\n%+v", e, o)
	}
	if strings.Contains(strings.Join(e.Args, " "), "s3cr3t") || len(e.Env) != 2 || e.Env[0].Name != "HTTPS_PROXY" || e.Env[1].Name != kubeconfig.ClientSecretEnv || e.Env[1].Value != "s3cr3t" {
		t.Errorf("secret or env: args %q env %+v", e.Args, e.Env)
	}
	// The kubelogin binary user with its own listen address and host.
	o = migratedOptions(t, after.AuthInfos["brew"].Exec.Args)
	if strings.Join(o.Listen, ",") != "127.0.0.1:12345" || o.RedirectHost != "127.0.0.1" || string(after.AuthInfos["brew"].Exec.InteractiveMode) != "IfAvailable" {
		t.Errorf("migrated brew user: %+v", o)
	}
	// A second run finds nothing left to do.
	res, err = (&Migrate{Path: path, Plugin: Plugin{Command: "authctl-get-token"}}).Run()
	if err != nil || len(res.Users) != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
}

func TestMigrateDryRunWritesNothing(t *testing.T) {
	path := writeKubeconfig(t, strings.Replace(kubeloginConfig, " -v1]", " -v, '1']", 1))
	res, err := (&Migrate{Path: path, Plugin: Plugin{Command: "authctl-get-token"}, DryRun: true}).Run()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != strings.Replace(kubeloginConfig, " -v1]", " -v, '1']", 1) {
		t.Fatal("--dry-run changed the file")
	}
	for _, want := range []string{"-      command: kubectl\n", "+      command: authctl-get-token\n", "-      - --oidc-client-secret=s3cr3t\n", "+      - --redirect-without-path\n"} {
		if !strings.Contains(res.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, res.Diff)
		}
	}
	if !strings.Contains(strings.Join(res.Users[0].Notes, "\n"), "dropped --force-refresh and -v") {
		t.Errorf("notes %q", res.Users[0].Notes)
	}
}

// A kubelogin flag authctl cannot honour stops the migration before
// anything is written, naming the user and the reason.
func TestMigrateRefusesUnsupportedFlags(t *testing.T) {
	content := strings.Replace(kubeloginConfig, "- --oidc-client-secret=s3cr3t", "- --username=alice", 1)
	path := writeKubeconfig(t, content)
	_, err := (&Migrate{Path: path, Plugin: Plugin{Command: "authctl-get-token"}}).Run()
	if err == nil || !strings.Contains(err.Error(), `user "oidc": invalid value "alice" for flag -username: kubelogin's --username is not supported: authctl has no password grant`) || !strings.Contains(err.Error(), "nothing written") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Fatal("the file changed")
	}
}

// TestMigrateKeyboardGrant: kubelogin's authcode-keyboard with its
// out-of-band redirect cannot work against Hydra: the migration stops with
// the setup command that can; with a redirect URL the user migrates and
// keeps it.
func TestMigrateKeyboardGrant(t *testing.T) {
	content := strings.Replace(kubeloginConfig, "- --oidc-client-secret=s3cr3t", "- --grant-type=authcode-keyboard", 1)
	path := writeKubeconfig(t, content)
	_, err := (&Migrate{Path: path, Plugin: Plugin{Command: "authctl-get-token"}}).Run()
	if err == nil || !strings.Contains(err.Error(), "urn:ietf:wg:oauth:2.0:oob") || !strings.Contains(err.Error(), "--grant-type authcode-keyboard") {
		t.Fatalf("err = %v", err)
	}
	content = strings.Replace(kubeloginConfig, "- --oidc-client-secret=s3cr3t", "- --grant-type=authcode-keyboard\n      - --oidc-redirect-url-authcode-keyboard=https://auth.example.com/kubectl/code", 1)
	path = writeKubeconfig(t, content)
	if _, err := (&Migrate{Path: path, Plugin: Plugin{Command: "authctl-get-token"}}).Run(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "--redirect-url=https://auth.example.com/kubectl/code") || !strings.Contains(string(b), "--grant-type=authcode-keyboard") {
		t.Fatalf("migrated file:\n%s", b)
	}
}
