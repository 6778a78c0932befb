package ory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/ory/input"
	"github.com/authctl/authctl/pkg/progress"
)

// The ownership marker authctl writes into metadata_admin of identities it
// creates (and metadata of clients). Prune deletes only marked objects.
const (
	ManagedByKey   = "managed_by"
	ManagedByValue = "authctl"
)

// Batch limits. Kratos v1.3.1 accepts at most 2000 identities per PATCH;
// plaintext passwords are hashed by the server inside the request, so
// their batches are smaller to keep each request well inside timeouts.
const (
	DefaultBatchSize          = 2000
	DefaultPlaintextBatchSize = 200
	DefaultConcurrency        = 4
)

// IdentityOptions configure the identity phase.
type IdentityOptions struct {
	// File is the input (YAML, JSON or NDJSON).
	File string
	// KeyTrait is the dotted trait path that identifies an identity
	// (e.g. "email"). Empty: the trait the identity's schema marks as a
	// credential identifier.
	KeyTrait string
	// BatchSize and PlaintextBatchSize bound one batch create request.
	BatchSize, PlaintextBatchSize int
	// Concurrency bounds the requests in flight.
	Concurrency int
	// Prune deletes authctl-managed identities missing from the input.
	Prune bool
	// UpdateCredentials re-imports the input's credentials of existing
	// identities. Without it existing credentials are never touched.
	UpdateCredentials bool
}

func (o *IdentityOptions) defaults() {
	if o.BatchSize <= 0 || o.BatchSize > DefaultBatchSize {
		o.BatchSize = DefaultBatchSize
	}
	if o.PlaintextBatchSize <= 0 {
		o.PlaintextBatchSize = DefaultPlaintextBatchSize
	}
	o.PlaintextBatchSize = min(o.PlaintextBatchSize, o.BatchSize)
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	o.KeyTrait = strings.TrimPrefix(o.KeyTrait, "traits.")
}

// existingIdentity is what the plan keeps of a server identity: hashes of
// the compared fields instead of the fields, so 100k identities stay small.
type existingIdentity struct {
	id       string
	schemaID string
	state    string
	traits   uint64
	public   uint64
	admin    uint64
	managed  bool
	seen     bool
}

// pendingCreate is one identity waiting in a batch.
type pendingCreate struct {
	key  string
	src  string
	body orysdk.CreateIdentityBody
}

// identitySync plans and applies the identities of one input file.
type identitySync struct {
	o      IdentityOptions
	dryRun bool
	k      *kratosAdmin
	sum    *Summary
	prog   progress.Reporter
	// sessions ends the sessions of identities that become inactive or are
	// deleted (offboarding).
	sessions sessionRevoker

	schemas       map[string]bool     // schema ids on the server
	keyPaths      map[string]string   // schema id -> key trait path
	verifyPaths   map[string][]string // schema id -> traits marked for verification
	defaultSchema string
	index         map[string]*existingIdentity
	inputSeen     map[string]string // key -> first source
	limit         atomic.Int64      // learned batch limit of the server

	jobs chan func(context.Context)
	wg   sync.WaitGroup
}

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

func isManaged(admin map[string]any) bool { return admin[ManagedByKey] == ManagedByValue }

// withMarker returns a copy of m with the ownership marker.
func withMarker(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[ManagedByKey] = ManagedByValue
	return out
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// prepare fetches the schemas (for the key traits) and indexes the
// server's identities by key.
func (s *identitySync) prepare(ctx context.Context) error {
	s.o.defaults()
	s.limit.Store(int64(s.o.BatchSize))
	schemas, err := s.k.schemas(ctx)
	if err != nil {
		if s.k.public == nil {
			// Kratos' admin port only redirects GET /schemas to
			// serve.public.base_url, which may not be reachable from here.
			return fmt.Errorf("could not read identity schemas through the admin port, which redirects them to Kratos' public base URL (give the Kratos public URL if that is not reachable from here): %w", err)
		}
		return fmt.Errorf("could not read identity schemas from the Kratos public URL: %w", err)
	}
	s.keyPaths, s.schemas, s.verifyPaths = map[string]string{}, map[string]bool{}, map[string][]string{}
	for id, sc := range schemas {
		s.schemas[id] = true
		s.verifyPaths[id] = verificationTraits(sc)
		if s.o.KeyTrait != "" {
			s.keyPaths[id] = s.o.KeyTrait
		} else if paths := identifierTraits(sc); len(paths) > 0 {
			s.keyPaths[id] = paths[0]
		}
	}
	switch _, hasDefault := schemas["default"]; {
	case hasDefault:
		s.defaultSchema = "default"
	case len(schemas) == 1:
		for id := range schemas {
			s.defaultSchema = id
		}
	}
	s.prog.Start("listing", 0)
	defer s.prog.Finish()
	s.index = map[string]*existingIdentity{}
	s.inputSeen = map[string]string{}
	return s.k.eachIdentity(ctx, func(i *orysdk.Identity) {
		s.prog.Add(1)
		path, ok := s.keyPaths[i.SchemaId]
		if !ok {
			return
		}
		key, ok := traitValue(i.Traits, path)
		if !ok {
			return
		}
		s.index[key] = &existingIdentity{
			id:       i.Id,
			schemaID: i.SchemaId,
			state:    i.GetState(),
			traits:   fingerprint(i.Traits),
			public:   fingerprint(i.MetadataPublic),
			admin:    fingerprint(i.MetadataAdmin),
			managed:  isManaged(i.MetadataAdmin),
		}
	})
}

// run plans every identity of the input and, unless dry-run, applies the
// plan with bounded concurrency while the input is still being read.
func (s *identitySync) run(ctx context.Context) error {
	if err := s.prepare(ctx); err != nil {
		return err
	}
	total, err := input.Count(s.o.File, "identities")
	if err != nil {
		return err
	}
	s.prog.Start("identities", total)
	defer s.prog.Finish()

	s.jobs = make(chan func(context.Context))
	for range s.o.Concurrency {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for job := range s.jobs {
				job(ctx)
			}
		}()
	}
	var hashed, plain []pendingCreate
	err = input.EachIdentity(s.o.File, func(id *input.Identity) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, ok := s.execute(s.plan(id))
		if !ok {
			return nil
		}
		if id.HasPlaintextPassword() {
			if plain = append(plain, p); len(plain) >= s.o.PlaintextBatchSize {
				s.flush(ctx, plain)
				plain = nil
			}
		} else if hashed = append(hashed, p); len(hashed) >= int(s.limit.Load()) {
			s.flush(ctx, hashed)
			hashed = nil
		}
		return nil
	})
	if err == nil {
		s.flush(ctx, hashed)
		s.flush(ctx, plain)
		if s.o.Prune {
			s.prune(ctx)
		}
	}
	close(s.jobs)
	s.wg.Wait()
	if err != nil {
		return err
	}
	return ctx.Err()
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

// execute carries out one step: failures and unchanged identities are
// recorded, an update is queued (or, in a dry run, recorded), and a create
// is returned for batching.
func (s *identitySync) execute(st identityStep) (pendingCreate, bool) {
	switch {
	case st.err != nil:
		s.sum.fail(*st.err)
		s.prog.Add(1)
	case st.create != nil:
		return *st.create, true
	case st.update == nil || s.dryRun:
		s.sum.record(st.change)
		s.prog.Add(1)
	default:
		change, body, offboard := st.change, *st.update, st.offboard
		s.jobs <- func(ctx context.Context) {
			defer s.prog.Add(1)
			if err := s.k.update(ctx, change.ID, body); err != nil {
				s.sum.fail(ItemError{Kind: KindIdentity, Key: change.Key, Source: change.Source, Message: err.Error()})
				return
			}
			if offboard {
				// After the update: a session cannot outlive it unnoticed, as
				// the token hook already refuses the inactive identity.
				if err := s.sessions.revoke(ctx, change.ID); err != nil {
					s.sum.fail(ItemError{Kind: KindIdentity, Key: change.Key, Source: change.Source, Message: "deactivated, but " + err.Error()})
					return
				}
			}
			s.sum.record(change)
		}
	}
	return pendingCreate{}, false
}

func createBody(id *input.Identity, schema, state string) orysdk.CreateIdentityBody {
	b := orysdk.CreateIdentityBody{
		SchemaId:      schema,
		Traits:        id.Traits,
		State:         &state,
		MetadataAdmin: withMarker(id.MetadataAdmin),
	}
	if id.MetadataPublic != nil {
		b.MetadataPublic = id.MetadataPublic
	}
	if id.Credentials != nil {
		b.Credentials = sdkCredentials(id.Credentials)
	}
	for _, a := range id.VerifiableAddresses {
		status := a.Status
		if status == "" {
			status = "pending"
			if a.Verified {
				status = "completed"
			}
		}
		b.VerifiableAddresses = append(b.VerifiableAddresses, orysdk.VerifiableIdentityAddress{
			Value: a.Value, Via: a.Via, Verified: a.Verified, Status: status,
		})
	}
	return b
}

func sdkCredentials(c *input.IdentityCredentials) *orysdk.IdentityWithCredentials {
	out := &orysdk.IdentityWithCredentials{}
	if p := c.Password; p != nil {
		cfg := orysdk.IdentityWithCredentialsPasswordConfig{}
		if p.Config.HashedPassword != "" {
			cfg.HashedPassword = &p.Config.HashedPassword
		} else {
			cfg.Password = &p.Config.Password
		}
		out.Password = &orysdk.IdentityWithCredentialsPassword{Config: &cfg}
	}
	if o := c.OIDC; o != nil {
		cfg := orysdk.IdentityWithCredentialsOidcConfig{}
		for _, p := range o.Config.Providers {
			cfg.Providers = append(cfg.Providers, orysdk.IdentityWithCredentialsOidcConfigProvider{Provider: p.Provider, Subject: p.Subject})
		}
		out.Oidc = &orysdk.IdentityWithCredentialsOidc{Config: &cfg}
	}
	return out
}

// flush records a batch of creates (dry-run) or queues it.
func (s *identitySync) flush(ctx context.Context, batch []pendingCreate) {
	if len(batch) == 0 {
		return
	}
	if s.dryRun {
		for _, p := range batch {
			s.sum.record(Change{Kind: KindIdentity, Action: ActionCreate, Key: p.key, Source: p.src})
			s.prog.Add(1)
		}
		return
	}
	select {
	case s.jobs <- func(ctx context.Context) { s.create(ctx, batch) }:
	case <-ctx.Done():
	}
}

// create sends one batch, adapting to the server: a batch the server calls
// too large is split and the learned limit lowered; a batch the server
// rejects as a whole (one bad item fails the request) is bisected until the
// offending items are isolated and reported with their input lines.
func (s *identitySync) create(ctx context.Context, batch []pendingCreate) {
	if limit := int(s.limit.Load()); len(batch) > limit {
		for len(batch) > 0 {
			n := min(limit, len(batch))
			s.create(ctx, batch[:n])
			batch = batch[n:]
		}
		return
	}
	bodies := make([]orysdk.CreateIdentityBody, len(batch))
	for i := range batch {
		bodies[i] = batch[i].body
	}
	results, err := s.k.batchCreate(ctx, bodies)
	if err != nil {
		status := statusOf(err)
		switch {
		case len(batch) > 1 && isTooLarge(status, err):
			half := len(batch) / 2
			s.lowerLimit(half)
			s.create(ctx, batch[:half])
			s.create(ctx, batch[half:])
		case len(batch) > 1 && status == http.StatusBadRequest:
			half := len(batch) / 2
			s.create(ctx, batch[:half])
			s.create(ctx, batch[half:])
		default:
			for _, p := range batch {
				s.sum.fail(ItemError{Kind: KindIdentity, Key: p.key, Source: p.src, Message: err.Error()})
			}
			s.prog.Add(len(batch))
		}
		return
	}
	for i, r := range results {
		p := batch[i]
		if r.Err == "" {
			s.sum.record(Change{Kind: KindIdentity, Action: ActionCreate, Key: p.key, ID: r.ID, Source: p.src})
			continue
		}
		if r.Status == http.StatusConflict {
			// A retried batch may have been committed before its response
			// was lost: an identity we manage under this key is ours.
			if found, ferr := s.k.findByIdentifier(ctx, p.key); ferr == nil && found != nil && isManaged(found.MetadataAdmin) {
				s.sum.record(Change{Kind: KindIdentity, Action: ActionCreate, Key: p.key, ID: found.Id, Source: p.src})
				continue
			}
		}
		if r.Status == http.StatusBadRequest {
			id, err := s.k.createOne(ctx, p.body)
			if err == nil {
				s.sum.record(Change{Kind: KindIdentity, Action: ActionCreate, Key: p.key, ID: id, Source: p.src})
				continue
			}
			r.Err = detail(err)
		}
		s.sum.fail(ItemError{Kind: KindIdentity, Key: p.key, Source: p.src, Message: r.Err})
	}
	s.prog.Add(len(batch))
}

func isTooLarge(status int, err error) bool {
	if status == http.StatusRequestEntityTooLarge {
		return true
	}
	var ae *APIError
	return status == http.StatusBadRequest && errors.As(err, &ae) &&
		(strings.Contains(ae.Message, "maximum number") || strings.Contains(strings.ToLower(ae.Message), "too large"))
}

func (s *identitySync) lowerLimit(n int) {
	for {
		cur := s.limit.Load()
		if int64(n) >= cur || s.limit.CompareAndSwap(cur, int64(max(n, 1))) {
			return
		}
	}
}

// prune deletes (or plans to delete) managed identities not in the input.
func (s *identitySync) prune(ctx context.Context) {
	keys := make([]string, 0)
	for key, ex := range s.index {
		if ex.managed && !ex.seen {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		ex := s.index[key]
		change := Change{Kind: KindIdentity, Action: ActionDelete, Key: key, ID: ex.id}
		if s.dryRun {
			s.sum.record(change)
			continue
		}
		select {
		case s.jobs <- func(ctx context.Context) {
			// Sessions first: once the identity is gone its id is the only
			// handle on Hydra's consent sessions, and a failure here keeps
			// the identity for the next run to retry.
			if err := s.sessions.revoke(ctx, ex.id); err != nil {
				s.sum.fail(ItemError{Kind: KindIdentity, Key: key, Message: err.Error()})
				return
			}
			if err := s.k.delete(ctx, ex.id); err != nil {
				s.sum.fail(ItemError{Kind: KindIdentity, Key: key, Message: err.Error()})
				return
			}
			s.sum.record(change)
		}:
		case <-ctx.Done():
			return
		}
	}
}

// detail is the server's message of an API error, without the request line.
func detail(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}
