package kubeconfig

import (
	"strings"
	"testing"
)

// TestKeyboardGrantNeedsItsRedirectURL: the headless grant names the code
// page, an http(s) URL; the browser grants refuse it (their redirect is a
// loopback address), so a stray flag is not silently ignored.
func TestKeyboardGrantNeedsItsRedirectURL(t *testing.T) {
	for _, c := range []struct {
		grant, url, err string
	}{
		{GrantAuthCodeKeyboard, "", "needs --redirect-url"},
		{GrantAuthCodeKeyboard, "urn:ietf:wg:oauth:2.0:oob", "is not an http(s) URL"},
		{GrantAuthCodeKeyboard, "https:///kubectl/code", "is not an http(s) URL"},
		{GrantAuthCodeKeyboard, "https://auth.example.com/kubectl/code", ""},
		{GrantAuthCode, "https://auth.example.com/kubectl/code", "only for --grant-type authcode-keyboard"},
	} {
		o := &Options{IssuerURL: "https://i/", ClientID: "k", Grant: c.grant, RedirectURL: c.url}
		o.Defaults()
		err := o.Validate()
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s %q: %v, want %q", c.grant, c.url, err, c.err)
		}
	}
}

// TestClusterNames: spec.kubernetes.clusters and --cluster-audience take
// DNS labels; the flag is for a person's login only.
func TestClusterNames(t *testing.T) {
	for name, ok := range map[string]bool{"dev": true, "prod-eu-1": true, "": false, "Prod": false, "-dev": false, "dev-": false, "a.b": false, strings.Repeat("a", 64): false} {
		if ClusterName(name) != ok {
			t.Errorf("ClusterName(%q) = %t", name, !ok)
		}
	}
	o := &Options{IssuerURL: "https://i/", ClientID: "k", Grant: GrantClientCredentials, ClientSecret: "s", ClusterAudience: "dev"}
	o.Defaults()
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--cluster-audience is for a person's login") {
		t.Fatalf("client credentials with a cluster: %v", err)
	}
}
