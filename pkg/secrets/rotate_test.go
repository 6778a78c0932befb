package secrets

import (
	"strings"
	"testing"
	"time"
)

func filled(t *testing.T) *File {
	t.Helper()
	f := &File{}
	if _, err := (Generator{}).Fill(f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRotateKeepsOldValuesUntilPrune: a rotation puts a new value in use
// and keeps the old ones of every overlapping secret (Ory's lists: first;
// the JWKS: last), replaces single values, records the time, and reads
// back from the file; prune drops the old values only once the wait has
// passed, and says until when otherwise.
func TestRotateKeepsOldValuesUntilPrune(t *testing.T) {
	f := filled(t)
	oldCookie, oldSystem, oldHook := f.Kratos.Cookie[0], f.Hydra.System[0], f.Hydra.TokenHookKey
	oldKeys, _ := jwksKeys(f.Oathkeeper.JWKS)
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	done, err := (Generator{}).Rotate(f, Rotatables, t0)
	if err != nil || len(done) != len(Rotatables) { // every rotatable is filled
		t.Fatalf("rotated %d of %d: %v", len(done), len(Rotatables), err)
	}
	if len(f.Kratos.Cookie) != 2 || f.Kratos.Cookie[1] != oldCookie || f.Kratos.Cookie[0] == oldCookie {
		t.Fatalf("kratos.cookie = %v", f.Kratos.Cookie)
	}
	if len(f.Hydra.System) != 2 || f.Hydra.System[1] != oldSystem {
		t.Fatalf("hydra.system = %v", f.Hydra.System)
	}
	if f.Hydra.TokenHookKey == oldHook || len(f.Hydra.TokenHookKey) != 32 {
		t.Fatal("the token hook key was not replaced")
	}
	keys, _ := jwksKeys(f.Oathkeeper.JWKS)
	if len(keys) != 2 || string(keys[0]) != string(oldKeys[0]) {
		t.Fatalf("the JWKS does not keep the old key first and the new one last: %d keys", len(keys))
	}
	if f.Rotated["kratos-cookie"] != "2026-12-06T10:00:00Z" {
		t.Fatalf("rotated = %v", f.Rotated)
	}
	data, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("s.yaml", data)
	if err != nil || len(back.Kratos.Cookie) != 2 || back.Rotated["hydra-system"] == "" {
		t.Fatalf("read back: %v", err)
	}

	wait := func(name string) time.Duration {
		if name == "kratos-cipher" {
			return Forever
		}
		return 24 * time.Hour
	}
	res, err := Prune(f, Rotatables, wait, t0.Add(25*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Pruned{}
	for _, p := range res {
		got[p.Name] = p
	}
	if got["kratos-cookie"].Removed != 1 || len(f.Kratos.Cookie) != 1 || f.Kratos.Cookie[0] == oldCookie {
		t.Fatalf("kratos-cookie after prune: %v %+v", f.Kratos.Cookie, got["kratos-cookie"])
	}
	if p := got["kratos-default"]; p.Removed != 1 {
		t.Fatalf("kratos-default: %+v", p)
	}
	if p := got["hydra-system"]; p.Removed != 0 || !p.Kept || len(f.Hydra.System) != 2 {
		t.Fatalf("hydra-system's old value was dropped (Hydra could not read its keys): %+v %d", p, len(f.Hydra.System))
	}
	keys, _ = jwksKeys(f.Oathkeeper.JWKS)
	if len(keys) != 1 || string(keys[0]) == string(oldKeys[0]) {
		t.Fatal("prune kept the old JWKS key instead of the signing one")
	}
	if _, ok := got["token-hook-key"]; ok {
		t.Fatal("a single value was pruned")
	}
	if p := got["kratos-cipher"]; p.Removed != 0 || !p.Asked || len(f.Kratos.Cipher) != 2 {
		t.Fatalf("kratos-cipher was pruned without --older-than: %+v", p)
	}
}

// TestSelectNamesTheUnknown and the file's rotated times are checked.
func TestSelectAndRotatedAreChecked(t *testing.T) {
	if _, err := Select([]string{"kratos-cookie", "kratos-cookies"}); err == nil || !strings.Contains(err.Error(), `unknown secret "kratos-cookies"`) || !strings.Contains(err.Error(), "kratos-cipher") {
		t.Fatalf("err = %v", err)
	}
	f := filled(t)
	f.Rotated = map[string]string{"kratos-cookie": "yesterday", "nope": "2026-12-06T10:00:00Z"}
	data, _ := f.Marshal()
	_, err := Parse("s.yaml", data)
	if err == nil || !strings.Contains(err.Error(), `rotated.kratos-cookie`) || !strings.Contains(err.Error(), `unknown secret "nope"`) {
		t.Fatalf("err = %v", err)
	}
}
