package cli

import (
	"bytes"
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
