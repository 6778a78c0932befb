package login

import (
	"context"
	"fmt"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"io"
	"time"

	"github.com/gofrs/flock"
)

// lockRetry is how often a waiting caller retries the lock.
const lockRetry = 25 * time.Millisecond

// acquire takes the key's lock file, a file separate from the cache entry
// (locking the entry itself broke atomic replacement, kubelogin #389,
// #1144). It is held across read → refresh → login → write, so fifty
// kubectl processes with an expired token cause one refresh: the others
// wait here and then find the fresh token. A caller that waits longer
// than notice says so on stderr once.
func acquire(c kubeconfig.Cache, ctx context.Context, key string, notice time.Duration, stderr io.Writer) (unlock func(), err error) {
	if err := c.EnsureDir(); err != nil {
		return nil, err
	}
	path := c.Path(key, ".lock")
	l := flock.New(path, flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("could not lock %s: %w", path, err)
	}
	if !ok {
		timer := time.AfterFunc(notice, func() {
			fmt.Fprintf(stderr, "authctl: waiting for another authctl process to finish logging in (lock %s)\n", path)
		})
		ok, err = l.TryLockContext(ctx, lockRetry)
		timer.Stop()
		if err != nil || !ok {
			return nil, fmt.Errorf("could not lock %s: %w", path, err)
		}
	}
	return func() { _ = l.Unlock() }, nil
}
