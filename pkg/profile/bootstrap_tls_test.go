package profile_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestPlainHTTPNeedsTheSwitch: tls: false is refused without
// spec.allowPlainHTTP, and with Kubernetes login even with it, saying why.
func TestPlainHTTPNeedsTheSwitch(t *testing.T) {
	cases := []struct {
		name, extra, want string
	}{
		// Both fixes in one round: the trial switch and kubectl login off.
		{"no switch", "  tls: false\n", "p.yaml:7:8: spec.tls: plain HTTP sends session cookies and tokens in clear, and kube-apiserver refuses an http:// issuer (for a local trial set both spec.allowPlainHTTP: true and spec.kubernetes.enabled: false"},
		{"no switch, kubernetes off", "  tls: false\n  kubernetes: {enabled: false}\n", "p.yaml:7:8: spec.tls: plain HTTP sends session cookies and tokens in clear, and kube-apiserver refuses an http:// issuer (set spec.allowPlainHTTP: true"},
		{"switch with kubernetes", "  tls: false\n  allowPlainHTTP: true\n", "p.yaml:7:8: spec.tls: kube-apiserver refuses an http:// issuer"},
		{"switch without kubernetes", "  tls: false\n  allowPlainHTTP: true\n  kubernetes: {enabled: false}\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := profile.Parse("p.yaml", "", []byte(header+tc.extra))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p.Wiring().IssuerURL != "http://oauth.example.com/" {
					t.Fatalf("issuer %s", p.Wiring().IssuerURL)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v does not contain %q", err, tc.want)
			}
		})
	}
}

// TestGatewayTLSNeedsACertificate: with tls: true an Ingress or Gateway
// without a certificate is refused unless TLS is terminated in front.
func TestGatewayTLSNeedsACertificate(t *testing.T) {
	svcs := "  services:\n    - {name: a, hosts: [a.example.com], upstream: {url: \"http://up:80\"}, allow: [session]}\n"
	for _, target := range []string{"ingress", "envoy-gateway"} {
		_, err := profile.Parse("p.yaml", "", []byte(header+"  gateway: {target: "+target+"}\n"+svcs))
		if err == nil || !strings.Contains(err.Error(), "p.yaml:7:21: spec.gateway.target: spec.tls is true but") || !strings.Contains(err.Error(), "tlsSecretName") {
			t.Errorf("%s: want the certificate error, got %v", target, err)
		}
		for _, fix := range []string{", tlsSecretName: example-com-tls", ", externalTLS: true"} {
			if _, err := profile.Parse("p.yaml", "", []byte(header+"  gateway: {target: "+target+fix+", ingressClassName: nginx}\n"+svcs)); err != nil {
				t.Errorf("%s%s: %v", target, fix, err)
			}
		}
	}
}

// TestBootstrapFilesValidated: validate reads spec.bootstrap's files, so a
// missing file or an unknown field fails with its position.
func TestBootstrapFilesValidated(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ids.yaml", "identities:\n  - schema_id: default\n    traits: {email: a@example.com}\n  - schema_id: default\n    trait: {email: b@example.com}\n")
	write("clients.yaml", "clients:\n  - client_id: spa\n    grant_types: [authorization_code]\n    token_endpoint_auth_method: none\n    redirect_uris: [https://app.example.com/callback, http://127.0.0.1/cb]\n    redirct_uris: []\n")
	cases := []struct{ bootstrap, want string }{
		{"{identities: nope.yaml}", "p.yaml:7:27: spec.bootstrap.identities: could not open input"},
		{"{clients: nope.yaml}", "p.yaml:7:24: spec.bootstrap.clients: could not open input"},
		{"{identities: ids.yaml}", filepath.Join(dir, "ids.yaml") + ":4:1: invalid identity"},
		{"{clients: clients.yaml}", filepath.Join(dir, "clients.yaml") + ":2:1: invalid client: unknown client field(s) redirct_uris"},
	}
	check := profile.LoadOptions{CheckIdentities: true}
	for _, tc := range cases {
		_, err := profile.ParseContext(context.Background(), "p.yaml", dir, []byte(header+"  bootstrap: "+tc.bootstrap+"\n"), check)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v does not contain %q", tc.bootstrap, err, tc.want)
		}
	}
	_, err := profile.ParseContext(context.Background(), "p.yaml", dir, []byte(header+"  bootstrap: {identities: ids.yaml}\n"), check)
	if err == nil || !strings.Contains(err.Error(), "trait") {
		t.Errorf("the unknown field must be named: %v", err)
	}
	// Other commands read the clients file (its origins are wiring), not
	// the identities; bootstrap reads both itself.
	if _, err := profile.Parse("p.yaml", dir, []byte(header+"  bootstrap: {identities: ids.yaml}\n")); err != nil {
		t.Errorf("without CheckIdentities the identities file is not read: %v", err)
	}
	if _, err := profile.Parse("p.yaml", dir, []byte(header+"  bootstrap: {clients: nope.yaml}\n")); err == nil {
		t.Error("a missing clients file must fail every load")
	}
	if _, err := profile.ParseContext(context.Background(), "p.yaml", dir, []byte(header+"  bootstrap: {identities: nope.yaml, clients: nope.yaml}\n"), profile.LoadOptions{SkipBootstrapInputs: true}); err != nil {
		t.Errorf("SkipBootstrapInputs: %v", err)
	}
}

// TestHydraCORSOrigins: public CORS follows the browser clients the profile
// bootstraps (not loopback native clients), and an explicit list wins.
func TestHydraCORSOrigins(t *testing.T) {
	dir := t.TempDir()
	clients := `clients:
  - client_id: spa
    grant_types: [authorization_code, refresh_token]
    token_endpoint_auth_method: none
    redirect_uris: [https://app.example.com/callback, https://app.example.com/silent]
  - client_id: kubectl
    grant_types: [authorization_code]
    token_endpoint_auth_method: none
    redirect_uris: [http://127.0.0.1:18000/, http://localhost:18001/]
  - client_id: backend
    grant_types: [authorization_code]
    client_secret: s3cret-s3cret-s3cret
    redirect_uris: [https://backend.example.com/cb]
  - client_id: widget
    grant_types: [client_credentials]
    client_secret: s3cret-s3cret-s3cret
    allowed_cors_origins: [https://widget.example.com]
`
	if err := os.WriteFile(filepath.Join(dir, "clients.yaml"), []byte(clients), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse("p.yaml", dir, []byte(header+"  bootstrap: {clients: clients.yaml}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Wiring().HydraCORSOrigins, []string{"https://app.example.com", "https://widget.example.com"}; !slices.Equal(got, want) {
		t.Errorf("derived origins %v, want %v", got, want)
	}
	p, err = profile.Parse("p.yaml", dir, []byte(header+"  bootstrap: {clients: clients.yaml}\n  hydra: {corsAllowedOrigins: [\"https://other.example.com\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Wiring().HydraCORSOrigins; !slices.Equal(got, []string{"https://other.example.com"}) {
		t.Errorf("explicit origins %v", got)
	}
	_, err = profile.Parse("p.yaml", dir, []byte(header+"  hydra: {corsAllowedOrigins: [\"https://other.example.com/app\"]}\n"))
	if err == nil || !strings.Contains(err.Error(), "spec.hydra.corsAllowedOrigins[0]: bad origin") {
		t.Errorf("a path in an origin must fail: %v", err)
	}
}

// TestAudienceIsNoClientID: a token service's audience may not be the id
// of a bootstrapped client, whose id_tokens carry it as aud.
func TestAudienceIsNoClientID(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clients.yaml"), []byte("clients:\n  - client_id: ci\n    grant_types: [client_credentials]\n  - client_id: spa\n    grant_types: [authorization_code]\n    token_endpoint_auth_method: none\n    redirect_uris: [https://app.example.com/callback]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := "  services:\n    - {name: api, hosts: [api.example.com], upstream: {url: \"http://up:80\"}, allow: [jwt], audience: [%s]}\n"
	for aud, want := range map[string]string{
		"spa":                     `p.yaml:9:103: spec.services[0].audience[0]: audience "spa" is the client id of the client in clients.yaml line 4`,
		"https://api.example.com": "",
	} {
		_, err := profile.Parse("p.yaml", dir, []byte(header+"  bootstrap: {clients: clients.yaml}\n"+fmt.Sprintf(svc, aud)))
		if (err == nil) != (want == "") || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("audience %s: error %v, want %q", aud, err, want)
		}
	}
}
