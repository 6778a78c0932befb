package ory

import (
	"context"
	"errors"
	"net/http"
	"strings"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/ory/input"
)

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

// detail is the server's message of an API error, without the request line.
func detail(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}
