// Package retry runs an operation again after transient failures, with
// jittered exponential backoff, a bounded number of attempts and an overall
// deadline.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Policy says how often and how long to retry.
type Policy struct {
	// Attempts is the maximum number of calls, the first included.
	Attempts int
	// Initial is the backoff before the second attempt; it doubles after
	// every attempt up to Max. The actual wait is drawn uniformly from
	// [d/2, d] ("equal jitter"), so concurrent workers spread out.
	Initial, Max time.Duration
	// Deadline bounds the whole operation, waits included. Zero means no
	// deadline other than the context's.
	Deadline time.Duration
	// Sleep waits for d or until ctx ends; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry, when set, hears of each failed attempt that will be
	// retried after wait, so a person sees why nothing seems to happen.
	OnRetry func(attempt int, wait time.Duration, err error)
}

// Default is the policy used when none is configured.
var Default = Policy{Attempts: 8, Initial: 250 * time.Millisecond, Max: 10 * time.Second, Deadline: 5 * time.Minute}

// transient marks an error worth retrying, optionally after a wait the
// server asked for.
type transient struct {
	err   error
	after time.Duration
}

func (e *transient) Error() string { return e.err.Error() }
func (e *transient) Unwrap() error { return e.err }

// Transient marks err as retryable. A positive after (from a Retry-After
// header) replaces the computed backoff when it is longer.
func Transient(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &transient{err: err, after: after}
}

// IsTransient reports whether err was marked by Transient.
func IsTransient(err error) bool {
	var t *transient
	return errors.As(err, &t)
}

// Do calls op until it returns nil or a non-transient error, the attempts
// are used up, or the deadline passes. It returns op's last error, wrapped
// with the attempt count when more than one attempt was made.
func (p Policy) Do(ctx context.Context, op func(ctx context.Context) error) error {
	if p.Attempts <= 0 {
		p.Attempts = 1
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	if p.Deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Deadline)
		defer cancel()
	}
	backoff := p.Initial
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		var t *transient
		if err == nil || !errors.As(err, &t) {
			return err
		}
		if attempt >= p.Attempts {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, t.err)
		}
		wait := Jitter(backoff)
		if t.after > wait {
			wait = t.after
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, wait, t.err)
		}
		if err := p.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("gave up after %d attempts (%w): %w", attempt, err, t.err)
		}
		backoff = min(backoff*2, p.Max)
	}
}

// Jitter returns a duration drawn uniformly from [d/2, d].
func Jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
