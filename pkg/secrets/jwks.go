package secrets

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
)

// jwk is the JSON Web Key form of an RSA private key (RFC 7517, 7518).
type jwk struct {
	Use string `json:"use"`
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
	P   string `json:"p"`
	Q   string `json:"q"`
	Dp  string `json:"dp"`
	Dq  string `json:"dq"`
	Qi  string `json:"qi"`
}

func b64(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }

// GenerateJWKS creates a JSON Web Key Set holding one RS256 private key,
// the format Oathkeeper's id_token mutator reads from jwks_url.
func GenerateJWKS(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	key, err := rsa.GenerateKey(r, 2048)
	if err != nil {
		return "", fmt.Errorf("could not generate an RSA key: %w", err)
	}
	key.Precompute()
	sum := sha256.Sum256(key.N.Bytes())
	k := jwk{
		Use: "sig", Kty: "RSA", Alg: "RS256",
		Kid: base64.RawURLEncoding.EncodeToString(sum[:12]),
		N:   b64(key.N), E: b64(big.NewInt(int64(key.E))), D: b64(key.D),
		P: b64(key.Primes[0]), Q: b64(key.Primes[1]),
		Dp: b64(key.Precomputed.Dp), Dq: b64(key.Precomputed.Dq), Qi: b64(key.Precomputed.Qinv),
	}
	out, err := json.MarshalIndent(map[string][]jwk{"keys": {k}}, "", "  ")
	if err != nil {
		return "", err
	}
	return string(out), nil
}
