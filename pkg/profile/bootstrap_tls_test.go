package profile_test

import (
	"fmt"
	"os"
	"path/filepath"
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
