// Package login obtains and caches tokens for kubectl: the authorization
// code grant with PKCE through a loopback listener of its own (loopback.go:
// the code is exchanged while the browser waits, so its page shows the result),
// the refresh token grant and the client credentials grant, with every
// id_token verified (coreos/go-oidc) before it is cached.
//
// It holds everything get-token needs on a cache miss. The cache-hit path
// lives in the parent package, which imports none of this (no net/http, no
// TLS, no keyring), so the lean plugin binary starts like a bare Go program.
package login
