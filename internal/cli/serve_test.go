package cli

import (
	"testing"
	"time"
)

// Both serve commands (authz, token-hook) get every server timeout, so a
// client that trickles a request, never reads the answer or idles on a
// keep-alive cannot hold connections open forever.
func TestServerTimeouts(t *testing.T) {
	srv := newServer(":0", nil)
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout":       srv.ReadTimeout,
		"WriteTimeout":      srv.WriteTimeout,
		"IdleTimeout":       srv.IdleTimeout,
	} {
		if d <= 0 || d > time.Minute {
			t.Errorf("%s = %v, want a bound of at most a minute", name, d)
		}
	}
}
