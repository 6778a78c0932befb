package profile_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

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
