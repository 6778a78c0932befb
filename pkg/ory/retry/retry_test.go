package retry

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name      string
		results   []error
		attempts  int
		wantCalls int
		wantErr   string
		wantWaits []time.Duration // upper bounds of each wait
	}{
		{"first try", []error{nil}, 5, 1, "", nil},
		{"two transients then ok", []error{Transient(boom, 0), Transient(boom, 0), nil}, 5, 3, "", []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{"permanent stops at once", []error{boom}, 5, 1, "boom", nil},
		{"attempts used up", []error{Transient(boom, 0), Transient(boom, 0), Transient(boom, 0)}, 3, 3, "gave up after 3 attempts: boom", nil},
		{"retry-after wins", []error{Transient(boom, 3*time.Second), nil}, 5, 2, "", []time.Duration{3 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var waits []time.Duration
			p := Policy{Attempts: tc.attempts, Initial: 100 * time.Millisecond, Max: time.Second,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			calls := 0
			err := p.Do(context.Background(), func(context.Context) error {
				calls++
				return tc.results[calls-1]
			})
			if calls != tc.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tc.wantCalls)
			}
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			for i, w := range tc.wantWaits {
				if i >= len(waits) || waits[i] > w || waits[i] < w/2 {
					t.Errorf("waits %v, want within [d/2, d] of %v", waits, tc.wantWaits)
				}
			}
		})
	}
}

func TestDoDeadline(t *testing.T) {
	p := Policy{Attempts: 100, Initial: 20 * time.Millisecond, Max: 20 * time.Millisecond, Deadline: 100 * time.Millisecond}
	start := time.Now()
	err := p.Do(context.Background(), func(context.Context) error { return Transient(errors.New("down"), 0) })
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("the deadline did not bound the retries")
	}
}

func TestJitterRange(t *testing.T) {
	for range 1000 {
		if d := Jitter(time.Second); d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("Jitter(1s) = %v", d)
		}
	}
}

// TestOnRetryHearsEachRetry: OnRetry is told of every failed attempt that
// is retried, with its wait and error, and not of the last one.
func TestOnRetryHearsEachRetry(t *testing.T) {
	boom := errors.New("boom")
	var heard []int
	p := Policy{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond,
		Sleep:   func(context.Context, time.Duration) error { return nil },
		OnRetry: func(attempt int, wait time.Duration, err error) { heard = append(heard, attempt) }}
	err := p.Do(context.Background(), func(context.Context) error { return Transient(boom, 0) })
	if !errors.Is(err, boom) || len(heard) != 2 || heard[0] != 1 || heard[1] != 2 {
		t.Fatalf("err %v, heard %v", err, heard)
	}
}
