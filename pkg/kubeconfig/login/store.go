package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"io"

	"github.com/zalando/go-keyring"
)

// keyringService names authctl's entries in the OS keyring.
const keyringService = "authctl"

// store keeps token sets: on disk, or in the OS keyring.
type store interface {
	Load(key string) (*kubeconfig.TokenSet, error)
	Save(key string, t *kubeconfig.TokenSet) error
	Delete(key string) error
}

func newStore(o *kubeconfig.Options, cache kubeconfig.Cache, stderr io.Writer) store {
	if o.Storage == kubeconfig.StorageKeyring {
		return keyringStore{disk: cache, stderr: stderr}
	}
	return diskStore{cache}
}

type diskStore struct{ kubeconfig.Cache }

func (d diskStore) Delete(key string) error { return d.Cache.Delete(key) }

// keyringStore keeps entries in the OS keyring. Keyrings limit the size of
// a secret (macOS and Windows, kubelogin #1255); an entry that does not fit
// goes to the disk cache instead, with a note on stderr.
type keyringStore struct {
	disk   kubeconfig.Cache
	stderr io.Writer
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
	// A stale disk copy from an earlier fallback would shadow nothing but
	// would keep a refresh token around: remove it.
	return k.disk.Delete(key)
}

func (k keyringStore) Delete(key string) error {
	if err := keyring.Delete(keyringService, key); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("could not delete from the OS keyring: %w", err)
	}
	return k.disk.Delete(key)
}
