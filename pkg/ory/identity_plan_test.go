package ory

import (
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/ory/input"
)

// The identity plan is decided without a server: these cases are the
// decisions bootstrap makes, each from an input identity and what the
// server holds (the index prepare builds from its listing).
func TestPlanIdentity(t *testing.T) {
	existing := func(traits, public, admin map[string]any, state string) *existingIdentity {
		return &existingIdentity{id: "id-" + traits["email"].(string), schemaID: "default", state: state,
			traits: fingerprint(traits), public: fingerprint(public), admin: fingerprint(admin), managed: isManaged(admin)}
	}
	alice := map[string]any{"email": "alice@example.com", "name": "Alice"}
	managed := map[string]any{ManagedByKey: ManagedByValue}
	newSync := func(updateCredentials bool) *identitySync {
		return &identitySync{
			o:             IdentityOptions{UpdateCredentials: updateCredentials},
			schemas:       map[string]bool{"default": true, "no-key": true},
			keyPaths:      map[string]string{"default": "email"},
			verifyPaths:   map[string][]string{"default": {"email"}},
			defaultSchema: "default",
			inputSeen:     map[string]string{},
			index: map[string]*existingIdentity{
				"alice@example.com":  existing(alice, nil, managed, "active"),
				"manual@example.com": existing(map[string]any{"email": "manual@example.com"}, nil, nil, "active"),
			},
		}
	}
	id := func(line int, traits map[string]any) *input.Identity {
		return &input.Identity{Traits: traits, Source: input.Source{File: "ids.yaml", Line: line}}
	}

	t.Run("a new identity is created, marked as authctl's and active", func(t *testing.T) {
		st := newSync(false).plan(id(1, map[string]any{"email": "bob@example.com"}))
		if st.create == nil || st.update != nil || st.err != nil || st.change.Action != ActionCreate {
			t.Fatalf("step %+v", st)
		}
		b := st.create.body
		if b.MetadataAdmin.(map[string]any)[ManagedByKey] != ManagedByValue || *b.State != "active" || b.SchemaId != "default" {
			t.Errorf("create body %+v", b)
		}
	})
	t.Run("the same identity, written differently, is unchanged", func(t *testing.T) {
		// The key is normalized (case, spaces), and an existing identity
		// keeps authctl's marker without the input repeating it.
		st := newSync(false).plan(id(1, map[string]any{"email": "alice@example.com", "name": "Alice"}))
		if st.change.Action != ActionUnchanged || st.update != nil || st.create != nil {
			t.Fatalf("step %+v", st)
		}
		st = newSync(false).plan(id(1, map[string]any{"email": " Alice@Example.COM ", "name": "Alice"}))
		if st.create != nil || st.change.Key != "alice@example.com" {
			t.Fatalf("a differently written key made a new identity: %+v", st)
		}
	})
	t.Run("changed traits update only what changed", func(t *testing.T) {
		st := newSync(false).plan(id(1, map[string]any{"email": "alice@example.com", "name": "Alice B."}))
		if st.update == nil || !slices.Equal(st.change.Fields, []string{"traits"}) || st.offboard {
			t.Fatalf("step %+v", st)
		}
		if st.update.MetadataAdmin.(map[string]any)[ManagedByKey] != ManagedByValue {
			t.Error("the update drops authctl's marker")
		}
	})
	t.Run("deactivation ends the sessions", func(t *testing.T) {
		in := id(1, alice)
		in.State = "inactive"
		st := newSync(false).plan(in)
		if st.update == nil || !st.offboard || !slices.Equal(st.change.Fields, []string{"state", SessionsField}) || st.update.State != "inactive" {
			t.Fatalf("step %+v", st)
		}
	})
	t.Run("an identity authctl did not create gets no marker", func(t *testing.T) {
		st := newSync(false).plan(id(1, map[string]any{"email": "manual@example.com"}))
		if st.change.Action != ActionUnchanged {
			t.Fatalf("step %+v", st)
		}
	})
	t.Run("credentials are replaced only with --update-credentials", func(t *testing.T) {
		in := id(1, alice)
		in.Credentials = &input.IdentityCredentials{Password: &input.PasswordCredential{Config: input.PasswordConfig{Password: "new-password-123"}}}
		if st := newSync(false).plan(in); st.change.Action != ActionUnchanged {
			t.Fatalf("without the flag: %+v", st)
		}
		if st := newSync(true).plan(in); st.update == nil || !slices.Contains(st.change.Fields, "credentials") || st.update.Credentials == nil {
			t.Fatalf("with the flag: %+v", st)
		}
	})
	t.Run("invalid input fails with its source, and nothing is sent", func(t *testing.T) {
		s := newSync(false)
		s.plan(id(3, map[string]any{"email": "carol@example.com"}))
		for _, tc := range []struct {
			in   *input.Identity
			want string
		}{
			{id(7, map[string]any{"email": "CAROL@example.com"}), "duplicate identity, first defined at ids.yaml:3"},
			{&input.Identity{SchemaID: "nope", Traits: map[string]any{"email": "x@example.com"}, Source: input.Source{File: "ids.yaml", Line: 8}}, `unknown schema_id "nope"`},
			{&input.Identity{SchemaID: "no-key", Traits: map[string]any{"email": "x@example.com"}, Source: input.Source{File: "ids.yaml", Line: 9}}, "marks no trait as a credential identifier"},
			{id(10, map[string]any{"name": "No Email"}), `key trait "email" is missing or empty`},
		} {
			st := s.plan(tc.in)
			if st.err == nil || !strings.Contains(st.err.Message, tc.want) || st.err.Source != tc.in.Source.String() || st.create != nil || st.update != nil {
				t.Errorf("%s: step %+v, want error %q", tc.in.Source, st, tc.want)
			}
		}
	})
	t.Run("a vouched address is imported verified, only for a verification trait", func(t *testing.T) {
		in := id(1, map[string]any{"email": "dora@example.com"})
		in.VerifiableAddresses = []input.VerifiableAddress{{Value: "Dora@Example.com", Via: "email", Verified: true}}
		st := newSync(false).plan(in)
		if st.create == nil || len(st.create.body.VerifiableAddresses) != 1 || st.create.body.VerifiableAddresses[0].Status != "completed" || !st.create.body.VerifiableAddresses[0].Verified {
			t.Fatalf("step %+v", st)
		}
		in.VerifiableAddresses[0].Value = "other@example.com"
		if st := newSync(false).plan(in); st.err == nil || !strings.Contains(st.err.Message, "marks for verification") {
			t.Fatalf("an address outside the traits: %+v", st)
		}
	})
	t.Run("prune sees which identities the input listed", func(t *testing.T) {
		s := newSync(false)
		s.plan(id(1, alice))
		if !s.index["alice@example.com"].seen || s.index["manual@example.com"].seen {
			t.Fatal("seen marks are wrong")
		}
	})
}

func TestFingerprintTreatsEmptyMetadataAsNull(t *testing.T) {
	if fingerprint(map[string]any{}) != fingerprint(nil) {
		t.Fatal("{} and null differ")
	}
	if fingerprint(map[string]any{"a": 1, "b": 2}) != fingerprint(map[string]any{"b": 2.0, "a": 1.0}) {
		t.Fatal("key order or number type changes the fingerprint")
	}
}
