package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/authctl/authctl/pkg/kubeconfig"

	"github.com/zalando/go-keyring"
)

// keyringService names authctl's entries in the OS keyring.
const keyringService = "authctl"

// keyringProbeKey is written and deleted to learn whether the keyring
// works before a login depends on it.
const keyringProbeKey = "authctl-probe"

// store keeps token sets: on disk, in the OS keyring, or nowhere.
type store interface {
	Load(key string) (*kubeconfig.TokenSet, error)
	Save(key string, t *kubeconfig.TokenSet) error
	Delete(key string) error
}

func newStore(o *kubeconfig.Options, cache kubeconfig.Cache, stderr io.Writer) store {
	switch o.Storage {
	case kubeconfig.StorageKeyring:
		return keyringStore{disk: cache, stderr: stderr}
	case kubeconfig.StorageNone:
		return noneStore{}
	}
	return diskStore{cache}
}

type diskStore struct{ kubeconfig.Cache }

func (d diskStore) Delete(key string) error { return d.Cache.Delete(key) }

// noneStore keeps nothing (--token-cache-storage none).
type noneStore struct{}

func (noneStore) Load(string) (*kubeconfig.TokenSet, error) { return nil, nil }
func (noneStore) Save(string, *kubeconfig.TokenSet) error   { return nil }
func (noneStore) Delete(string) error                       { return nil }

// keyringStore keeps entries in the OS keyring. Keyrings limit the size of
// a secret (macOS and Windows, kubelogin #1255); an entry that does not fit
// goes to the disk cache instead, with a note on stderr. Beside each
// keyring entry a marker file in the cache directory names its login, so
// that logout can find it.
type keyringStore struct {
	disk   kubeconfig.Cache
	stderr io.Writer
}

// probe writes and deletes an item: a keyring that cannot be reached
// (no D-Bus session, a locked collection) fails here, before a browser
// login whose token it could not keep.
func (k keyringStore) probe() error {
	if err := keyring.Set(keyringService, keyringProbeKey, "probe"); err != nil {
		return err
	}
	if err := keyring.Delete(keyringService, keyringProbeKey); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	return nil
}

func (k keyringStore) Load(key string) (*kubeconfig.TokenSet, error) {
	s, err := keyring.Get(keyringService, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return k.disk.Load(key)
	}
	if err != nil {
		return nil, fmt.Errorf("could not read the OS keyring: %w", err)
	}
	var t kubeconfig.TokenSet
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return nil, nil
	}
	return &t, nil
}

func (k keyringStore) Save(key string, t *kubeconfig.TokenSet) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("could not encode token cache: %w", err)
	}
	err = keyring.Set(keyringService, key, string(data))
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		fmt.Fprintf(k.stderr, "authctl: the token is too big for the OS keyring; keeping it in %s instead\n", k.disk.Dir)
		return k.disk.Save(key, t)
	}
	if err != nil {
		return fmt.Errorf("could not write the OS keyring: %w", err)
	}
	// A stale disk copy from an earlier fallback would keep a refresh
	// token around: remove it, and mark the entry for logout.
	if err := os.Remove(k.disk.Path(key, kubeconfig.EntrySuffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("could not delete token cache: %w", err)
	}
	return k.disk.SaveKeyringMarker(key, t.Issuer, t.ClientID)
}

func (k keyringStore) Delete(key string) error {
	if err := keyring.Delete(keyringService, key); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("could not delete from the OS keyring: %w", err)
	}
	return k.disk.Delete(key)
}

// NothingMatchedError is a logout that found no cached login to delete:
// a mistyped issuer or client id, or another cache directory.
type NothingMatchedError struct {
	Issuer, ClientID, Dir string
}

func (e *NothingMatchedError) Error() string {
	return fmt.Sprintf("nothing matched: no cached token for issuer %s and client id %q in %s", e.Issuer, e.ClientID, e.Dir)
}

// Logout deletes every cached login of issuer and clientID in dir
// (default: kubeconfig.DefaultCacheDir), whatever its scopes, CA or grant
// were, on disk and in the OS keyring, and returns how many it deleted.
// Deleting none is a *NothingMatchedError.
func Logout(dir, issuer, clientID string) (int, error) {
	c, err := cacheIn(dir)
	if err != nil {
		return 0, err
	}
	entries, err := c.Entries()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !e.Matches(issuer, clientID) {
			continue
		}
		if err := deleteEntry(c, e); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 {
		return 0, &NothingMatchedError{Issuer: issuer, ClientID: clientID, Dir: c.Dir}
	}
	return n, nil
}

// LogoutAll deletes every cached login in dir (default:
// kubeconfig.DefaultCacheDir), keyring entries included.
func LogoutAll(dir string) (int, error) {
	c, err := cacheIn(dir)
	if err != nil {
		return 0, err
	}
	entries, err := c.Entries()
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if e.Keyring {
			if err := deleteEntry(c, e); err != nil {
				return 0, err
			}
		}
	}
	n, err := c.DeleteAll()
	return n + countKeyring(entries), err
}

func countKeyring(entries []kubeconfig.Entry) int {
	n := 0
	for _, e := range entries {
		if e.Keyring {
			n++
		}
	}
	return n
}

func deleteEntry(c kubeconfig.Cache, e kubeconfig.Entry) error {
	if e.Keyring {
		if err := keyring.Delete(keyringService, e.Key); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return fmt.Errorf("could not delete from the OS keyring: %w", err)
		}
	}
	return c.Delete(e.Key)
}

func cacheIn(dir string) (kubeconfig.Cache, error) {
	if dir == "" {
		d, err := kubeconfig.DefaultCacheDir()
		if err != nil {
			return kubeconfig.Cache{}, err
		}
		dir = d
	}
	c := kubeconfig.Cache{Dir: dir}
	return c, c.CheckDir()
}
