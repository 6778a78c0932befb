package ory

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"strings"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/ory/input"
)

var hashSeed = maphash.MakeSeed()

// fingerprint hashes the canonical JSON of a value; nil and empty objects
// hash the same, because Kratos stores an omitted metadata as null.
func fingerprint(v any) uint64 {
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		v = nil
	}
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	return maphash.Bytes(hashSeed, b)
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// identityStep is the plan for one input identity, decided without I/O:
// exactly one of err (invalid input), create, update (with offboard: end
// its sessions after the update) or neither (unchanged). change is what
// the summary records.
type identityStep struct {
	change   Change
	err      *ItemError
	create   *pendingCreate
	update   *orysdk.UpdateIdentityBody
	offboard bool
}

// plan decides one input identity against the server's index. It reads the
// indexes built by prepare and notes the key as seen (duplicates, prune);
// it sends nothing and records nothing: execute does.
func (s *identitySync) plan(id *input.Identity) identityStep {
	src := id.Source.String()
	fail := func(key, msg string) identityStep {
		return identityStep{err: &ItemError{Kind: KindIdentity, Key: key, Source: src, Message: msg}}
	}
	schema := id.SchemaID
	if schema == "" {
		if schema = s.defaultSchema; schema == "" {
			return fail("", "schema_id is required: the server has several schemas and none is named default")
		}
	}
	path, ok := s.keyPaths[schema]
	if !ok {
		if !s.schemas[schema] {
			return fail("", fmt.Sprintf("unknown schema_id %q", schema))
		}
		return fail("", fmt.Sprintf("schema %q marks no trait as a credential identifier: set --key-trait", schema))
	}
	key, ok := traitValue(id.Traits, path)
	if !ok {
		return fail("", fmt.Sprintf("key trait %q is missing or empty", path))
	}
	if first, dup := s.inputSeen[key]; dup {
		return fail(key, "duplicate identity, first defined at "+first)
	}
	s.inputSeen[key] = src

	state := id.State
	if state == "" {
		state = "active"
	}
	for n, a := range id.VerifiableAddresses {
		if !s.isVerifiable(schema, id.Traits, a.Value) {
			return fail(key, fmt.Sprintf("verifiable_addresses[%d]: %q is not the value of a trait that schema %q marks for verification (ory.sh/kratos verification.via), so Kratos would drop it", n, a.Value, schema))
		}
	}
	ex := s.index[key]
	if ex == nil {
		return identityStep{
			change: Change{Kind: KindIdentity, Action: ActionCreate, Key: key, Source: src},
			create: &pendingCreate{key: key, src: src, body: createBody(id, schema, state)},
		}
	}
	ex.seen = true
	admin := id.MetadataAdmin
	if ex.managed {
		admin = withMarker(admin)
	}
	var fields []string
	if id.SchemaID != "" && id.SchemaID != ex.schemaID {
		fields = append(fields, "schema_id")
	}
	if fingerprint(id.Traits) != ex.traits {
		fields = append(fields, "traits")
	}
	if fingerprint(id.MetadataPublic) != ex.public {
		fields = append(fields, "metadata_public")
	}
	if fingerprint(admin) != ex.admin {
		fields = append(fields, "metadata_admin")
	}
	offboard := false
	if state != ex.state {
		fields = append(fields, "state")
		// Deactivating ends every session and revokes every token at once.
		offboard = state != "active"
	}
	if s.o.UpdateCredentials && id.Credentials != nil {
		fields = append(fields, "credentials")
	}
	if offboard {
		fields = append(fields, SessionsField)
	}
	change := Change{Kind: KindIdentity, Action: ActionUpdate, Key: key, ID: ex.id, Fields: fields, Source: src}
	if len(fields) == 0 {
		change.Action = ActionUnchanged
		return identityStep{change: change}
	}
	body := orysdk.UpdateIdentityBody{
		SchemaId:       ex.schemaID,
		State:          state,
		Traits:         id.Traits,
		MetadataPublic: nonNil(id.MetadataPublic),
		MetadataAdmin:  nonNil(admin),
	}
	if id.SchemaID != "" {
		body.SchemaId = id.SchemaID
	}
	if s.o.UpdateCredentials && id.Credentials != nil {
		body.Credentials = sdkCredentials(id.Credentials)
	}
	return identityStep{change: change, update: &body, offboard: offboard}
}

// isVerifiable reports whether value is the value of a trait the schema
// marks for verification (compared as Kratos does, ignoring case).
func (s *identitySync) isVerifiable(schema string, traits map[string]any, value string) bool {
	for _, path := range s.verifyPaths[schema] {
		if v, ok := traitValue(traits, path); ok && v == strings.ToLower(strings.TrimSpace(value)) {
			return true
		}
	}
	return false
}
