package ory

import (
	"context"
	"sort"
)

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
