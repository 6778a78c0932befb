package ory

import (
	"reflect"
	"strings"
	"testing"

	orysdk "github.com/ory/client-go"
)

// TestMatchIdentities: the decision of which identities an identifier
// names, from what the server found by id or credential identifier and the
// addresses of every identity (no server: the lookup itself runs against
// the real Kratos in test/e2e/bootstrap's TestOffboardFindsPeopleAsTheyAre).
func TestMatchIdentities(t *testing.T) {
	idx := addressIndex{}
	for _, i := range []orysdk.Identity{
		{Id: "a", Traits: map[string]any{"email": "Alice@Example.com"}},
		{Id: "b", Traits: map[string]any{"email": []any{"bob@example.com", 7}}, VerifiableAddresses: []orysdk.VerifiableIdentityAddress{{Value: "bob@work.example.com"}}},
		{Id: "c", Traits: map[string]any{"name": "no email"}, RecoveryAddresses: []orysdk.RecoveryIdentityAddress{{Value: "carol@example.com"}}},
		{Id: "d", Traits: map[string]any{"email": "alice@example.com", "manager_email": "carol@example.com"}},
		{Id: "e", Traits: nil},
	} {
		idx.add(&i)
	}
	for _, tc := range []struct {
		name, identifier string
		server           map[string][]string
		want             []identityMatch
	}{
		{"nothing", "nobody@example.com", nil, []identityMatch{}},
		{"sso subject from the server", "google:AbC123", map[string][]string{"a": {viaCredential}}, []identityMatch{{"a", []string{viaCredential}}}},
		{"an address in a list trait", " BOB@example.com ", nil, []identityMatch{{"b", []string{viaEmailTrait}}}},
		{"a verifiable address", "bob@work.example.com", nil, []identityMatch{{"b", []string{viaVerifiable}}}},
		{"a recovery address, not another trait that holds an address", "carol@example.com", nil, []identityMatch{{"c", []string{viaRecovery}}}},
		{"one identity found twice is one", "bob@example.com", map[string][]string{"b": {viaCredential}}, []identityMatch{{"b", []string{viaCredential, viaEmailTrait}}}},
		{"two identities", "alice@example.com", map[string][]string{"a": {viaCredential}}, []identityMatch{{"a", []string{viaCredential, viaEmailTrait}}, {"d", []string{viaEmailTrait}}}},
	} {
		got := matchIdentities(tc.identifier, tc.server, idx)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	err := ambiguousError("alice@example.com", matchIdentities("alice@example.com", map[string][]string{"a": {viaCredential}}, idx))
	if want := `"alice@example.com" names 2 identities: a (credential identifier, traits.email), d (traits.email); nothing was changed`; err.Error() != want {
		t.Errorf("ambiguous: %v\nwant %s", err, want)
	}
	if !uuidRe.MatchString("0B5E2B8C-8E64-4D5C-9B7E-1C2D3E4F5A6B") || uuidRe.MatchString("google:0b5e2b8c") || strings.Contains(normalizeAddress(" A@B "), " ") {
		t.Error("uuid or address normalisation")
	}
}
