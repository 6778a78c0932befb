package kubeconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/authctl/authctl/pkg/atomicfile"
)

// TokenSet is one cache entry. Tokens are secrets: never log them.
type TokenSet struct {
	// Token is what kubectl sends: the id_token for the authorization code
	// grant, the access token for client credentials.
	Token        string    `json:"token"`
	IDToken      string    `json:"id_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// minValidity is how long a cached token must still be valid to be handed
// out: kubectl may need a few seconds for its request.
const minValidity = 10 * time.Second

// Valid reports whether the token can be used at now.
func (t *TokenSet) Valid(now time.Time) bool {
	return t != nil && t.Token != "" && now.Add(minValidity).Before(t.Expiry)
}

// DefaultCacheDir is $AUTHCTL_TOKEN_CACHE_DIR, else the user cache dir
// ($XDG_CACHE_HOME or ~/.cache on Linux) + /authctl/tokens.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("AUTHCTL_TOKEN_CACHE_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("could not find a cache directory: %w", err)
	}
	return filepath.Join(base, "authctl", "tokens"), nil
}

// Cache stores token sets on disk, one file per key, in a 0700 directory.
type Cache struct {
	Dir string
}

// Path is the file of key with a suffix: .json (entry), .lock, .launches.
func (c Cache) Path(key, suffix string) string { return filepath.Join(c.Dir, key+suffix) }

// EnsureDir creates the directory 0700, and tightens it when it exists
// with wider permissions.
func (c Cache) EnsureDir() error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("could not create token cache directory: %w", err)
	}
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return fmt.Errorf("could not create token cache directory: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(c.Dir, 0o700); err != nil {
			return fmt.Errorf("could not restrict token cache directory: %w", err)
		}
	}
	return nil
}

// Load returns the entry for key, or nil without error when there is none.
func (c Cache) Load(key string) (*TokenSet, error) {
	data, err := os.ReadFile(c.Path(key, ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("could not read token cache: %w", err)
	}
	var t TokenSet
	if err := json.Unmarshal(data, &t); err != nil {
		// A corrupt entry is a miss, not an outage.
		return nil, nil
	}
	return &t, nil
}

// Save writes the entry atomically: a 0600 temp file in the same
// directory, fsync, then rename, so a reader never sees half a file.
func (c Cache) Save(key string, t *TokenSet) error {
	if err := c.EnsureDir(); err != nil {
		return err
	}
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("could not encode token cache: %w", err)
	}
	return WriteFileAtomic(c.Path(key, ".json"), data)
}

// WriteFileAtomic writes a 0600 file through a temp file, fsync and rename.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("could not write token cache: %w", err)
	}
	return nil
}

// Delete removes the entry of key (and its browser-launch record).
func (c Cache) Delete(key string) error {
	for _, suffix := range []string{".json", ".launches"} {
		if err := os.Remove(c.Path(key, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("could not delete token cache: %w", err)
		}
	}
	return nil
}

// DeleteAll removes every entry. Lock files stay: removing a lock file
// another process holds would let a third process take a second lock.
func (c Cache) DeleteAll() (int, error) {
	entries, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("could not list token cache: %w", err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if filepath.Ext(name) == ".json" || filepath.Ext(name) == ".launches" {
			if err := os.Remove(filepath.Join(c.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, fmt.Errorf("could not delete token cache: %w", err)
			}
			if filepath.Ext(name) == ".json" {
				n++
			}
		}
	}
	return n, nil
}
