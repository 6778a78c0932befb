package kubeconfig

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	// Issuer (without a trailing slash) and ClientID name the login the
	// entry belongs to, so that logout finds every entry of an issuer and
	// client whatever the rest of the key (scopes, CA) was.
	Issuer   string `json:"issuer,omitempty"`
	ClientID string `json:"client_id,omitempty"`
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

// Suffixes of a key's files. KeyringSuffix marks an entry kept in the OS
// keyring: the file holds only its issuer and client id (no token), so
// that logout can find it (keyrings cannot be listed portably).
const (
	EntrySuffix    = ".json"
	LaunchesSuffix = ".launches"
	KeyringSuffix  = ".keyring"
)

// Path is the file of key with a suffix: .json (entry), .lock, .launches.
func (c Cache) Path(key, suffix string) string { return filepath.Join(c.Dir, key+suffix) }

// EnsureDir creates the directory 0700. An existing one must be safe
// (CheckDir); read bits for group or others are taken away.
func (c Cache) EnsureDir() error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("could not create token cache directory: %w", err)
	}
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return fmt.Errorf("could not create token cache directory: %w", err)
	}
	if err := checkDir(c.Dir, fi); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(c.Dir, 0o700); err != nil {
			return fmt.Errorf("could not restrict token cache directory: %w", err)
		}
	}
	return nil
}

// UnsafeCacheDirError refuses a token cache directory another local user
// could write into: a token planted there would make the victim's kubectl
// act as the attacker. ssh refuses keys in such directories for the same
// reason.
type UnsafeCacheDirError struct {
	Dir    string
	Reason string
	// Fix is the command that makes the directory safe.
	Fix string
}

func (e *UnsafeCacheDirError) Error() string {
	return fmt.Sprintf("refusing the token cache directory %s: %s, so another user could plant a token in it", e.Dir, e.Reason)
}

// TryHint is the line printed under the error.
func (e *UnsafeCacheDirError) TryHint() string { return e.Fix }

// CheckDir refuses a cache directory that is not owned by the current
// user or that group or others may write to. A missing directory passes:
// EnsureDir creates it 0700.
func (c Cache) CheckDir() error {
	fi, err := os.Stat(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not read token cache directory: %w", err)
	}
	return checkDir(c.Dir, fi)
}

func checkDir(dir string, fi fs.FileInfo) error {
	if !fi.IsDir() {
		return fmt.Errorf("token cache directory %s is not a directory", dir)
	}
	me, owner, ok := fileOwner(fi)
	if !ok {
		// No uid and no mode bits (Windows reports 0777): the profile
		// directory's ACL keeps other users out.
		return nil
	}
	if owner != me {
		return &UnsafeCacheDirError{Dir: dir, Reason: fmt.Sprintf("it is owned by uid %d, not by you (uid %d)", owner, me),
			Fix: "use a directory of your own (--token-cache-dir), or remove " + dir + " and let authctl create it"}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return &UnsafeCacheDirError{Dir: dir, Reason: fmt.Sprintf("group or others may write to it (mode %v)", fi.Mode().Perm()),
			Fix: "chmod 700 " + dir + " and check the files in it, or remove it and let authctl create it"}
	}
	return nil
}

// Load returns the entry for key, or nil without error when there is none.
// The directory is checked first (CheckDir) and the entry must be the
// current user's: a token another user planted is never handed out.
func (c Cache) Load(key string) (*TokenSet, error) {
	if err := c.CheckDir(); err != nil {
		return nil, err
	}
	data, err := c.read(c.Path(key, EntrySuffix))
	if err != nil || data == nil {
		return nil, err
	}
	var t TokenSet
	if err := json.Unmarshal(data, &t); err != nil {
		// A corrupt entry is a miss, not an outage.
		return nil, nil
	}
	return &t, nil
}

// loadLite is Load for the cache-hit path: the same checks, the entry
// read by hand (jsonlite.go); an entry it does not understand is a miss,
// which the full get-token reads with encoding/json.
func (c Cache) loadLite(key string) (*TokenSet, error) {
	if err := c.CheckDir(); err != nil {
		return nil, err
	}
	data, err := c.read(c.Path(key, EntrySuffix))
	if err != nil || data == nil {
		return nil, err
	}
	return decodeTokenSetLite(data)
}

// read returns a file of the current user's, or nil when there is none.
// A file another user owns is refused unread.
func (c Cache) read(path string) ([]byte, error) {
	data, me, owner, err := readOwn(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("could not read token cache: %w", err)
	}
	if owner != me {
		return nil, &UnsafeCacheDirError{Dir: c.Dir, Reason: fmt.Sprintf("its file %s is owned by uid %d, not by you (uid %d)", filepath.Base(path), owner, me),
			Fix: "remove " + path}
	}
	return data, nil
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
	return WriteFileAtomic(c.Path(key, EntrySuffix), data)
}

// SaveKeyringMarker records that key's entry is in the OS keyring, with
// the login it belongs to and no token.
func (c Cache) SaveKeyringMarker(key, issuer, clientID string) error {
	if err := c.EnsureDir(); err != nil {
		return err
	}
	data, err := json.Marshal(TokenSet{Issuer: issuer, ClientID: clientID})
	if err != nil {
		return fmt.Errorf("could not encode token cache: %w", err)
	}
	return WriteFileAtomic(c.Path(key, KeyringSuffix), data)
}

// WriteFileAtomic writes a 0600 file through a temp file, fsync and rename.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("could not write token cache: %w", err)
	}
	return nil
}

// Delete removes the entry of key, its keyring marker and its
// browser-launch record.
func (c Cache) Delete(key string) error {
	for _, suffix := range []string{EntrySuffix, LaunchesSuffix, KeyringSuffix} {
		if err := os.Remove(c.Path(key, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("could not delete token cache: %w", err)
		}
	}
	return nil
}

// Entry is one cached login: its key, the issuer and client it belongs
// to, and whether its tokens are in the OS keyring.
type Entry struct {
	Key      string
	Issuer   string
	ClientID string
	Keyring  bool
}

// Entries lists the cached logins (entries on disk and keyring markers).
// An entry written before entries named their login is recognised by its
// id_token's iss and aud claims (read, not verified: it only decides what
// to delete).
func (c Cache) Entries() ([]Entry, error) {
	files, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("could not list token cache: %w", err)
	}
	var out []Entry
	for _, f := range files {
		name := f.Name()
		ext := filepath.Ext(name)
		if f.IsDir() || (ext != EntrySuffix && ext != KeyringSuffix) || strings.HasPrefix(name, ".") {
			continue
		}
		e := Entry{Key: strings.TrimSuffix(name, ext), Keyring: ext == KeyringSuffix}
		if data, err := os.ReadFile(filepath.Join(c.Dir, name)); err == nil {
			var t TokenSet
			if json.Unmarshal(data, &t) == nil {
				e.Issuer, e.ClientID = t.Issuer, t.ClientID
				if e.Issuer == "" {
					e.Issuer, e.ClientID = claimsLogin(t.IDToken)
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Matches reports whether the entry belongs to issuer and clientID (the
// issuer compared without a trailing slash).
func (e Entry) Matches(issuer, clientID string) bool {
	return e.Issuer != "" && strings.TrimSuffix(e.Issuer, "/") == strings.TrimSuffix(issuer, "/") && e.ClientID == clientID
}

// claimsLogin reads iss and the client id (azp, else the only aud) from
// an id_token without verifying it.
func claimsLogin(jwt string) (issuer, clientID string) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "", ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", ""
	}
	var c struct {
		Iss string          `json:"iss"`
		Azp string          `json:"azp"`
		Aud json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return "", ""
	}
	if c.Azp != "" {
		return c.Iss, c.Azp
	}
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return c.Iss, one
	}
	var many []string
	if json.Unmarshal(c.Aud, &many) == nil && len(many) == 1 {
		return c.Iss, many[0]
	}
	return c.Iss, ""
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
		ext := filepath.Ext(name)
		if slices.Contains([]string{EntrySuffix, LaunchesSuffix, KeyringSuffix}, ext) {
			if err := os.Remove(filepath.Join(c.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, fmt.Errorf("could not delete token cache: %w", err)
			}
			if ext != LaunchesSuffix {
				n++
			}
		}
	}
	return n, nil
}
