package ory

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/ory/input"
	"github.com/authctl/authctl/pkg/progress"
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
