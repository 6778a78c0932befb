package kubeconfig

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestSum256: the FIPS 180-4 examples, and every length across the
// padding's edges (55, 56, 63, 64 bytes and more blocks), the same as
// crypto/sha256.
func TestSum256(t *testing.T) {
	for in, want := range map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq": "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	} {
		if got := sum256([]byte(in)); hex.EncodeToString(got[:]) != want {
			t.Errorf("sum256(%q) = %x, want %s", in, got, want)
		}
	}
	data := bytes.Repeat([]byte{0, 1, 0x80, 0xff, 'a', 0x7f, 0x55}, 100)
	for n := range len(data) {
		if got, want := sum256(data[:n]), sha256.Sum256(data[:n]); got != want {
			t.Fatalf("length %d: %x, crypto/sha256 %x", n, got, want)
		}
	}
}

func FuzzSum256(f *testing.F) {
	f.Add([]byte("abc"))
	f.Add(bytes.Repeat([]byte{'x'}, 119))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := sum256(data), sha256.Sum256(data); got != want {
			t.Fatalf("%x: %x, crypto/sha256 %x", data, got, want)
		}
	})
}

// TestCacheKeyIsSHA256: the cache key (and the secret and CA data hashes
// in it) are crypto/sha256's, so existing caches keep their names.
func TestCacheKeyIsSHA256(t *testing.T) {
	for _, o := range []*Options{
		{IssuerURL: "https://oauth.example.com/", ClientID: "kubectl"},
		{IssuerURL: "https://oauth.example.com", ClientID: "ci", ClientSecret: "s3cret", Grant: GrantClientCredentials,
			Audiences: []string{"b", "a"}, CAData: []byte("-----BEGIN CERTIFICATE-----\nx\n"), CAFiles: []string{"/ca.pem"}},
	} {
		sum := sha256.Sum256(o.CanonicalKey())
		if got, want := o.CacheKey(), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("CacheKey() = %s, crypto/sha256 %s", got, want)
		}
		if o.ClientSecret != "" {
			sum := sha256.Sum256([]byte(o.ClientSecret))
			if !bytes.Contains(o.CanonicalKey(), []byte(hex.EncodeToString(sum[:]))) {
				t.Errorf("the key's client_secret_sha256 is not crypto/sha256's: %s", o.CanonicalKey())
			}
		}
	}
}
