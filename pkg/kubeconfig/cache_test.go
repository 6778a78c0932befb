package kubeconfig

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A cache directory that already exists readable by others (made by hand,
// or by an older version) holds refresh tokens: every write tightens it to
// 0700, and a fresh one is created 0700. (One others may write to is
// refused: TestCacheRefusesUnsafeDir.)
func TestCacheDirIsTightened(t *testing.T) {
	for name, mode := range map[string]os.FileMode{"group readable": 0o750, "world readable": 0o755, "group read-only": 0o740} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tokens")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			// Chmod, not Mkdir's mode: the umask would hide the wide bits.
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			c := Cache{Dir: dir}
			if err := c.Save("k", &TokenSet{Token: "t", RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o700 {
				t.Fatalf("cache directory left at %v after a save, want -rwx------", got)
			}
			ei, err := os.Stat(c.Path("k", ".json"))
			if err != nil {
				t.Fatal(err)
			}
			if got := ei.Mode().Perm(); got != 0o600 {
				t.Fatalf("cache entry is %v, want -rw-------", got)
			}
		})
	}
	t.Run("created", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "tokens")
		if err := (Cache{Dir: dir}).EnsureDir(); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("new cache directory: %v %v", fi.Mode().Perm(), err)
		}
	})
}

// plantToken writes a valid entry for o into dir, as another local user
// would who can write there.
func plantToken(t *testing.T, dir string, o *Options) string {
	t.Helper()
	b, _ := json.Marshal(TokenSet{Token: "attacker-token", Expiry: time.Now().Add(time.Hour)})
	p := filepath.Join(dir, o.CacheKey()+EntrySuffix)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 20 finding 6: a token planted in a cache directory another user
// can write to, or owns, is never handed out, neither by the lean plugin's
// fast path nor by the full get-token (Load), and saving there is refused
// too; the error names the fix.
func TestCacheRefusesUnsafeDir(t *testing.T) {
	o := &Options{IssuerURL: "https://oauth.example.com/", ClientID: "kubectl"}
	o.Defaults()
	check := func(t *testing.T, dir, wantReason, wantFix string) {
		t.Helper()
		var out bytes.Buffer
		args := []string{"--issuer-url=" + o.IssuerURL, "--client-id=kubectl", "--token-cache-dir=" + dir}
		if FastPath(args, func(string) string { return "" }, &out, time.Now()) || out.Len() > 0 {
			t.Fatalf("the fast path handed out the planted token: %s", out.String())
		}
		c := Cache{Dir: dir}
		ts, err := c.Load(o.CacheKey())
		var ue *UnsafeCacheDirError
		if ts != nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), wantReason) || !strings.Contains(ue.TryHint(), wantFix) {
			t.Fatalf("Load = %v, %v; want the refusal %q with the fix %q", ts, err, wantReason, wantFix)
		}
		if err := c.Save("other", &TokenSet{Token: "t", Expiry: time.Now().Add(time.Hour)}); !errors.As(err, &ue) {
			t.Fatalf("Save into the unsafe directory: %v", err)
		}
	}
	for name, mode := range map[string]os.FileMode{"world writable": 0o777, "group writable": 0o770, "others write only": 0o702} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tokens")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			plantToken(t, dir, o)
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			check(t, dir, "group or others may write to it", "chmod 700 "+dir)
		})
	}
	t.Run("owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		dir := filepath.Join(t.TempDir(), "tokens")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		plantToken(t, dir, o)
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		check(t, dir, "it is owned by uid 65534, not by you (uid 0)", "--token-cache-dir")
	})
	t.Run("an entry owned by another user in your directory", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a file to another user")
		}
		dir := filepath.Join(t.TempDir(), "tokens")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		p := plantToken(t, dir, o)
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if FastPath([]string{"--issuer-url=" + o.IssuerURL, "--client-id=kubectl", "--token-cache-dir=" + dir}, func(string) string { return "" }, &out, time.Now()) {
			t.Fatalf("the fast path handed out another user's entry: %s", out.String())
		}
		if _, err := (Cache{Dir: dir}).Load(o.CacheKey()); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Fatalf("Load of another user's entry: %v", err)
		}
	})
	t.Run("your own 0700 directory still works", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tokens")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		plantToken(t, dir, o)
		var out bytes.Buffer
		if !FastPath([]string{"--issuer-url=" + o.IssuerURL, "--client-id=kubectl", "--token-cache-dir=" + dir}, func(string) string { return "" }, &out, time.Now()) {
			t.Fatal("the fast path refused a safe directory")
		}
	})
}

// Logout finds entries by the login they belong to: the entries' own
// issuer and client id, else (entries written before they carried them)
// the id_token's iss and aud.
func TestCacheEntriesNameTheirLogin(t *testing.T) {
	dir := t.TempDir()
	c := Cache{Dir: dir}
	if err := c.Save("a", &TokenSet{Token: "t", Issuer: "https://i.example.com", ClientID: "kubectl"}); err != nil {
		t.Fatal(err)
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://i.example.com/","aud":["kubectl"]}`))
	if err := c.Save("legacy", &TokenSet{Token: "x", IDToken: "e30." + payload + ".sig"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveKeyringMarker("k", "https://i.example.com", "kubectl"); err != nil {
		t.Fatal(err)
	}
	entries, err := c.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("entries %+v", entries)
	}
	for _, e := range entries {
		if !e.Matches("https://i.example.com/", "kubectl") || e.Matches("https://i.example.com/", "other") {
			t.Errorf("entry %+v does not match its login", e)
		}
		if e.Keyring != (e.Key == "k") {
			t.Errorf("entry %+v: keyring marker wrong", e)
		}
	}
}
