package login

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"

	"github.com/gofrs/flock"
)

// lockRetry is how often a waiting caller retries the lock.
const lockRetry = 25 * time.Millisecond

// lockHolder is what the process holding a key's lock writes into the
// lock file, so that a caller that gives up can say who it waited for.
type lockHolder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Purpose string    `json:"purpose"`
	Since   time.Time `json:"since"`
}

func (h lockHolder) String() string {
	return fmt.Sprintf("pid %d on %s, %s since %s", h.PID, h.Host, h.Purpose, h.Since.Format(time.RFC3339))
}

// LockTimeoutError means another process held the key's lock for longer
// than the lock timeout. Commands exit with code 4 (authentication
// required): this call got no token, and the message names the holder.
type LockTimeoutError struct {
	Path   string
	Waited time.Duration
	// Holder describes the process holding the lock, when it said.
	Holder string
}

func (e *LockTimeoutError) Error() string {
	holder := "another authctl process"
	if e.Holder != "" {
		holder = "another authctl process (" + e.Holder + ")"
	}
	return fmt.Sprintf("%s held the token lock %s for more than %s", holder, e.Path, e.Waited)
}

// lockRequest says how to take a key's lock.
type lockRequest struct {
	// Purpose is written into the lock file ("logging in", "refreshing").
	Purpose string
	// Notice is how long to wait before saying so on stderr.
	Notice time.Duration
	// Timeout bounds the wait; 0 waits as long as ctx allows.
	Timeout time.Duration
	Stderr  io.Writer
	Now     func() time.Time
}

// acquire takes the key's lock file, a file separate from the cache entry
// (locking the entry itself broke atomic replacement, kubelogin #389,
// #1144). It is held across read → refresh → login → write, so fifty
// kubectl processes with an expired token cause one refresh: the others
// wait here and then find the fresh token. A caller that waits longer
// than Notice says so on stderr once, naming the holder; one that waits
// longer than Timeout gives up with a *LockTimeoutError.
func acquire(c kubeconfig.Cache, ctx context.Context, key string, r lockRequest) (unlock func(), err error) {
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
		timer := time.AfterFunc(r.Notice, func() {
			who := ""
			if h := readHolder(path); h != "" {
				who = " (" + h + ")"
			}
			fmt.Fprintf(r.Stderr, "authctl: waiting for another authctl process%s to finish (lock %s)\n", who, path)
		})
		wctx := ctx
		if r.Timeout > 0 {
			var cancel context.CancelFunc
			wctx, cancel = context.WithTimeout(ctx, r.Timeout)
			defer cancel()
		}
		ok, err = l.TryLockContext(wctx, lockRetry)
		timer.Stop()
		if !ok && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, &LockTimeoutError{Path: path, Waited: r.Timeout, Holder: readHolder(path)}
		}
		if err != nil || !ok {
			return nil, fmt.Errorf("could not lock %s: %w", path, err)
		}
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	host, _ := os.Hostname()
	// The flock is on the inode; rewriting the content keeps it.
	if b, err := json.Marshal(lockHolder{PID: os.Getpid(), Host: host, Purpose: r.Purpose, Since: now()}); err == nil {
		_ = os.WriteFile(path, b, 0o600)
	}
	return func() {
		_ = os.Truncate(path, 0)
		_ = l.Unlock()
	}, nil
}

// readHolder describes the lock's holder from the lock file, or "".
func readHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	var h lockHolder
	if json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return ""
	}
	return h.String()
}
