package login

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// TestFakeKeyringFallsBackToDiskWhenTooBig uses go-keyring's in-process mock:
// no OS keyring runs here, and a size limit cannot be produced on demand.
func TestFakeKeyringFallsBackToDiskWhenTooBig(t *testing.T) {
	disk := kubeconfig.Cache{Dir: t.TempDir()}
	var stderr bytes.Buffer
	ks := keyringStore{disk: disk, stderr: &stderr}
	tok := &kubeconfig.TokenSet{Token: "header.payload.signature"}

	keyring.MockInit()
	if err := ks.Save("k1", tok); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(disk.Path("k1", ".json")); !os.IsNotExist(err) {
		t.Fatalf("a token that fits the keyring was also written to disk: %v", err)
	}
	got, err := ks.Load("k1")
	if err != nil || got == nil || got.Token != tok.Token {
		t.Fatalf("keyring round trip: %+v, %v", got, err)
	}

	// The keyring refuses the entry as too big: it goes to disk, with a note.
	keyring.MockInitWithError(keyring.ErrSetDataTooBig)
	if err := ks.Save("k2", tok); err != nil {
		t.Fatalf("save with a full keyring: %v", err)
	}
	if !strings.Contains(stderr.String(), "too big for the OS keyring") {
		t.Errorf("no note on stderr: %q", stderr.String())
	}
	if fi, err := os.Stat(disk.Path("k2", ".json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("fallback file: %v %v", fi, err)
	}
	// Later loads find it on disk when the keyring has no entry.
	keyring.MockInit()
	got, err = ks.Load("k2")
	if err != nil || got == nil || got.Token != tok.Token {
		t.Fatalf("load after fallback: %+v, %v", got, err)
	}
}
