package render

import (
	"crypto/sha256"
	"encoding/hex"
	"net/textproto"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// GatewaySecretHeader carries the upstream's own secret in headers mode, so
// an upstream can check that a request came through the gateway. Each
// header-mode service gets a different value (see UpstreamSecret), so one
// upstream cannot impersonate users to another.
const GatewaySecretHeader = "X-Authctl-Gateway-Secret"

// GatewaySecretEnv is the Oathkeeper environment variable holding the
// master secret that every upstream secret is derived from.
const GatewaySecretEnv = "AUTHCTL_GATEWAY_SECRET"

// IdentityHeaders tell an upstream who the user is, under their default
// names. Only Oathkeeper may set them: every gateway removes or overwrites
// the client's copies. Services may rename them (forward.headers); the
// RuleSet's Neutralized list holds every name in use.
var IdentityHeaders = []string{profile.DefaultSubjectHeader, profile.DefaultEmailHeader, profile.DefaultGroupsHeader, GatewaySecretHeader}

// OverrideHeaders make some upstream frameworks serve another path or
// method than the one Oathkeeper decided on (Symfony and IIS read
// X-Original-URL and X-Rewrite-URL, Rails, Express and Spring honour the
// method-override headers, forward-auth proxies read X-Forwarded-Uri and
// X-Forwarded-Method, nginx's auth_request passes X-Original-URI and
// X-Original-Method). No client may send them to an upstream.
var OverrideHeaders = []string{"X-Original-Url", "X-Rewrite-Url", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
	"X-Forwarded-Uri", "X-Forwarded-Method", "X-Original-Uri", "X-Original-Method"}

// methodOverrideHeader carries the refusal of a _method query parameter:
// every allowing rule sets it (empty), so its template runs on every
// request a rule allows.
const methodOverrideHeader = "X-Http-Method-Override"

// MethodParameter is the query parameter Rails, Laravel and Symfony read
// as the method of a POST (POST /x?_method=DELETE runs DELETE). The
// query is the one part of the request no rule matches (Oathkeeper matches
// scheme://host/path), so the header mutator refuses it: its template
// fails and Oathkeeper answers 500 instead of forwarding, on every target.
const MethodParameter = "_method"

// refuseMethodParameter is that template; it prints nothing otherwise.
const refuseMethodParameter = `{{ if .MatchContext.URL.Query.Has "` + MethodParameter + `" }}` +
	`{{ fail "the query names a method (` + MethodParameter + `): refused, the rule decided on the request's own method" }}{{ end }}`

// HeaderSpellings are the names a server may read as header h: every
// choice of "-" or "_" at each separator (CGI, WSGI, Rack and PHP turn both
// into "_", so X_User_Groups and x-user_groups arrive as HTTP_X_USER_GROUPS),
// in Go's canonical form (what Oathkeeper's Header.Set writes; every data
// plane compares header names ignoring case). h itself comes first; it is
// the only one without "_".
func HeaderSpellings(h string) []string {
	h = textproto.CanonicalMIMEHeaderKey(h)
	out := []string{""}
	for _, r := range h {
		var next []string
		for _, prefix := range out {
			if r == '-' || r == '_' {
				next = append(next, prefix+"-", prefix+"_")
			} else {
				next = append(next, prefix+string(r))
			}
		}
		out = next
	}
	for i := range out {
		out[i] = textproto.CanonicalMIMEHeaderKey(out[i])
	}
	return out
}

// NeutralizedHeaders are the default IdentityHeaders, every identity header
// name any of the services uses (forward.headers), and OverrideHeaders, in
// canonical form and each once: the gateways remove them from the client's
// request before anything else runs where the data plane can (envoy,
// envoy-gateway), and every allowing rule sets them (to the real value or
// to empty), so no upstream ever sees a client's copy of a header that any
// upstream treats as identity, on any target.
func NeutralizedHeaders(services []profile.Service) []string {
	var out []string
	add := func(h string) {
		if h = textproto.CanonicalMIMEHeaderKey(h); h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	for _, h := range IdentityHeaders {
		add(h)
	}
	for _, s := range services {
		f := s.Forward.Headers
		for _, h := range []string{f.Subject, f.Email, f.Groups, f.PreferredUsername} {
			add(h)
		}
	}
	for _, h := range OverrideHeaders {
		add(h)
	}
	return out
}

// lowerAll returns the names in lower case, as the data planes match them.
func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, h := range names {
		out[i] = strings.ToLower(h)
	}
	return out
}

// UpstreamSecret is the value of GatewaySecretHeader that the upstream of
// service name receives: hex(sha256(master ":" name)). Oathkeeper computes it
// at request time from GatewaySecretEnv (sprig's sha256sum), so the master
// secret never leaves the oathkeeper Secret. Service names are DNS labels, so
// no name can extend another's input (no length-extension forgery).
func UpstreamSecret(master, name string) string {
	sum := sha256.Sum256([]byte(master + ":" + name))
	return hex.EncodeToString(sum[:])
}

// upstreamSecretTemplate is the header-mutator template for UpstreamSecret.
func upstreamSecretTemplate(name string) string {
	return `{{ sha256sum (printf "%s:%s" (env "` + GatewaySecretEnv + `") ` + templateLiteral(mustJSON(name)) + `) }}`
}
