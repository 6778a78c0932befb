package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A cache directory that already exists with wider permissions (made by
// hand, or by an older version) holds refresh tokens: every write tightens
// it to 0700, and a fresh one is created 0700.
func TestCacheDirIsTightened(t *testing.T) {
	for name, mode := range map[string]os.FileMode{"group readable": 0o750, "world readable": 0o755, "world writable": 0o777, "group writable": 0o720} {
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
