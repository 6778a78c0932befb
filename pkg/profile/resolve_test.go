package profile_test

import (
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// A loaded profile is resolved once: every reader gets the same wiring,
// as a copy that it cannot change for the others, and a Spec changed by
// hand takes effect when Resolve runs again.
func TestWiringIsResolvedOnce(t *testing.T) {
	p, err := profile.Parse("p.yaml", "", []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev, namespace: auth}\nspec: {domain: example.com}\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := p.Wiring()
	w.KratosAdminPeers[0] = "attacker"
	w.IssuerURL = "https://evil.example/"
	if got := p.Wiring(); got.KratosAdminPeers[0] == "attacker" || got.IssuerURL != "https://oauth.example.com/" {
		t.Fatalf("a caller changed the profile's wiring: %v %s", got.KratosAdminPeers, got.IssuerURL)
	}
	p.Spec.Hosts.Hydra = "id.example.org"
	if got := p.Wiring().IssuerURL; got != "https://oauth.example.com/" {
		t.Fatalf("the wiring changed without Resolve: %s", got)
	}
	p.Resolve()
	if got := p.Wiring().IssuerURL; got != "https://id.example.org/" {
		t.Fatalf("after Resolve: issuer %s", got)
	}
}
