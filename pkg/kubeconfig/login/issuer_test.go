package login

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// fakeIssuer is an in-process OIDC issuer with its own JWKS. It is a fake
// on purpose: it must hand out forged and broken tokens (bad signatures,
// alg none, wrong audiences, …) that a real Hydra never issues, so that the
// verification in flow.go is shown to reject them.
type fakeIssuer struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// jwks are the public keys the issuer publishes, by kid.
	jwks map[string]*rsa.PublicKey
	// tokenEndpoint overrides the token_endpoint of the discovery document.
	tokenEndpoint string
	// respond answers the token endpoint; nonce is the authorization
	// request's (empty for a refresh).
	respond func(grant, nonce string) (int, any)
	// nonce of the last authorization request.
	nonce string
	// grants are the grant types of the token requests, in order; answer
	// is the body of the last token response.
	grants []string
	answer map[string]any
}

const testClientID = "kubectl"

func newFakeIssuer(t *testing.T) *fakeIssuer {
	t.Helper()
	fi := &fakeIssuer{t: t, jwks: map[string]*rsa.PublicKey{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		fi.mu.Lock()
		tokenURL := fi.tokenEndpoint
		fi.mu.Unlock()
		if tokenURL == "" {
			tokenURL = fi.URL() + "token"
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                fi.URL(),
			"authorization_endpoint":                fi.URL() + "authorize",
			"token_endpoint":                        tokenURL,
			"jwks_uri":                              fi.URL() + "jwks",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		fi.mu.Lock()
		defer fi.mu.Unlock()
		var keys []map[string]string
		for kid, k := range fi.jwks {
			keys = append(keys, map[string]string{
				"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
				"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
	})
	// The authorization endpoint logs the person in at once: it remembers
	// the nonce and sends the browser back with a code.
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "no PKCE", http.StatusBadRequest)
			return
		}
		fi.mu.Lock()
		fi.nonce = q.Get("nonce")
		fi.mu.Unlock()
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		v := back.Query()
		v.Set("code", "the-code")
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		grant := r.PostForm.Get("grant_type")
		fi.mu.Lock()
		nonce := fi.nonce
		respond := fi.respond
		fi.mu.Unlock()
		if grant != "authorization_code" {
			nonce = ""
		}
		if respond == nil {
			http.Error(w, "no token response set", http.StatusInternalServerError)
			return
		}
		code, body := respond(grant, nonce)
		fi.mu.Lock()
		fi.grants = append(fi.grants, grant)
		if m, ok := body.(map[string]any); ok {
			fi.answer = m
		}
		fi.mu.Unlock()
		writeJSON(w, code, body)
	})
	fi.srv = httptest.NewServer(mux)
	t.Cleanup(fi.srv.Close)
	return fi
}

// URL is the issuer URL, with the trailing slash Hydra uses.
func (fi *fakeIssuer) URL() string { return fi.srv.URL + "/" }

func (fi *fakeIssuer) publish(kid string, k *rsa.PrivateKey) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.jwks[kid] = &k.PublicKey
}

func (fi *fakeIssuer) unpublish(kid string) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	delete(fi.jwks, kid)
}

func (fi *fakeIssuer) setRespond(f func(grant, nonce string) (int, any)) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.respond = f
}

// issued is a token of the last token response ("" when none was sent).
func (fi *fakeIssuer) issued(key string) string {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	v, _ := fi.answer[key].(string)
	return v
}

// tokenRequests counts the token requests of a grant type ("" for all).
func (fi *fakeIssuer) tokenRequests(grant string) int {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	n := 0
	for _, g := range fi.grants {
		if grant == "" || g == grant {
			n++
		}
	}
	return n
}

func (fi *fakeIssuer) setTokenEndpoint(u string) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.tokenEndpoint = u
}

// claims are a valid id_token's claims for the issuer, at now.
func (fi *fakeIssuer) claims(nonce string) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": fi.URL(), "sub": "alice", "aud": []string{testClientID},
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		"email": "alice@example.com", "groups": []string{"admins"},
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signRS256 builds a JWT signed with k under kid.
func signRS256(t *testing.T, k *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	head := b64(mustJSON(t, map[string]string{"alg": "RS256", "kid": kid, "typ": "JWT"})) + "." + b64(mustJSON(t, claims))
	sum := sha256.Sum256([]byte(head))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return head + "." + b64(sig)
}

// unsigned builds a JWT with "alg": "none" and no signature.
func unsigned(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	return b64(mustJSON(t, map[string]string{"alg": "none", "kid": kid, "typ": "JWT"})) + "." + b64(mustJSON(t, claims)) + "."
}

// signHS256WithPublicKey is the classic key-confusion forgery: an HMAC
// whose secret is the issuer's public key, which a verifier that trusts the
// header's alg would accept.
func signHS256WithPublicKey(t *testing.T, pub *rsa.PublicKey, kid string, claims map[string]any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	head := b64(mustJSON(t, map[string]string{"alg": "HS256", "kid": kid, "typ": "JWT"})) + "." + b64(mustJSON(t, claims))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(head))
	return head + "." + b64(m.Sum(nil))
}

// rsaKeys are generated once per test binary, at 1024 bits (the smallest
// crypto/rsa generates): 2048-bit keys cost a third of a second each here,
// and the checks under test do not depend on the key size.
var rsaKeys = sync.OnceValue(func() [3]*rsa.PrivateKey {
	var ks [3]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	return ks
})

// followingBrowser plays the person: it opens the URL with an HTTP client
// that follows redirects, through the issuer's authorization endpoint back
// to the loopback callback.
type followingBrowser struct {
	mu     sync.Mutex
	opened int
	errs   []error
}

func (b *followingBrowser) Open(ctx context.Context, u string) error {
	b.mu.Lock()
	b.opened++
	b.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.mu.Lock()
		b.errs = append(b.errs, err)
		b.mu.Unlock()
		return nil
	}
	resp.Body.Close()
	return nil
}

func (b *followingBrowser) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opened
}
