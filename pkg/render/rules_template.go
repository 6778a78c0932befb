package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// KratosSessionCookie is the cookie of a Kratos session, the only one the
// cookie_session authenticator reads.
const KratosSessionCookie = "ory_kratos_session"

// cookiesWithoutSession is the header mutator template (Oathkeeper's
// text/template with sprig) for the Cookie header an upstream gets: every
// cookie the request carried, from every Cookie header line, except the
// Kratos session. A cookie's name is compared as Kratos reads it (Go's
// net/http readCookies: split on ";", the name is what precedes the first
// "=", trimmed), so "ory_kratos_session =v" goes too; sprig's trim removes
// at least the white space textproto.TrimString does.
const cookiesWithoutSession = `{{- $kept := list -}}` +
	`{{- range splitList ";" (join ";" (.MatchContext.Header.Values "Cookie")) -}}` +
	`{{- $c := trim . -}}` +
	`{{- if and $c (ne (trim (index (splitList "=" $c) 0)) "` + KratosSessionCookie + `") }}{{ $kept = append $kept $c }}{{ end -}}` +
	`{{- end -}}` +
	`{{- join "; " $kept -}}`

// usesSession reports whether the subject's data comes from a Kratos session
// (cookie or session token) rather than a JWT or introspection result.
func usesSession(s profile.Service) bool {
	for _, a := range s.Allow {
		if a == "session" || a == "bearer" {
			return true
		}
	}
	return false
}

// extraLookup is a template that sets $name to the value at the dotted
// path below .Extra, or leaves it at init. Every step is checked to be a
// map holding the next key: Kratos sends "metadata_public": null for an
// identity nobody gave any (everyone who registered or came through SSO),
// and a plain .Extra.identity.metadata_public.groups then fails the
// template, which Oathkeeper answers with 500.
func extraLookup(name, init, path string) string {
	var open, closing strings.Builder
	open.WriteString(`{{ $` + name + ` := ` + init + ` }}{{ with .Extra }}`)
	for _, k := range strings.Split(path, ".") {
		open.WriteString(`{{ if kindIs "map" . }}{{ with index . ` + templateLiteral(mustJSON(k)) + ` }}`)
		closing.WriteString(`{{ end }}{{ end }}`)
	}
	return open.String() + `{{ $` + name + ` = . }}` + closing.String() + `{{ end }}`
}

// verifiedEmail is a template that sets $email to the address an upstream
// may rely on, or "". From a Kratos session: traits.email only when
// Kratos' verifiable_addresses marks that address verified (a person can
// change traits.email to anything in the settings flow; the new address is
// unverified until they prove it). From a token: the email claim only when
// email_verified is true (the token hook sets it from the same list).
func verifiedEmail(s profile.Service) string {
	if !usesSession(s) {
		return extraLookup("claim", `""`, "email") + extraLookup("claimVerified", `""`, "email_verified") +
			`{{ $email := "" }}{{ if eq (toString $claimVerified) "true" }}{{ $email = toString $claim }}{{ end }}`
	}
	return extraLookup("trait", `""`, "identity.traits.email") + extraLookup("addresses", "list", "identity.verifiable_addresses") +
		`{{ $email := "" }}{{ $want := lower (trim (toString $trait)) }}` +
		`{{ if and $want (kindIs "slice" $addresses) }}{{ range $addresses }}` +
		`{{ if and (kindIs "map" .) (eq (toString (index . "verified")) "true") (eq (lower (trim (toString (index . "value")))) $want) }}{{ $email = $want }}{{ end }}` +
		`{{ end }}{{ end }}`
}

func emailTemplate(s profile.Service) string { return verifiedEmail(s) + `{{ $email }}` }

// preferredUsernameTemplate prints forward.claims.preferredUsername, or the
// verified email when the identity or token has none. The value is what the
// person or the token says (traits are self-service): a display name, never
// a basis for access.
func preferredUsernameTemplate(s profile.Service) string {
	path := s.Forward.Claims.PreferredUsername
	if usesSession(s) {
		path = "identity." + path
	}
	return extraLookup("name", `""`, path) + verifiedEmail(s) +
		`{{ if $name }}{{ print $name }}{{ else }}{{ $email }}{{ end }}`
}

func groupsPath(s profile.Service) string {
	if usesSession(s) {
		return "identity.metadata_public.groups"
	}
	return "groups"
}

func groupsTemplate(s profile.Service) string {
	return extraLookup("groups", "list", groupsPath(s)) + `{{ if kindIs "slice" $groups }}{{ join "," $groups }}{{ end }}`
}

// groupsJSON prints $groups as a JSON list ([] when the identity or token
// has none, or something that is no list).
// The template sets $groups first (extraLookup), then prints them.
const groupsJSON = `{{ if kindIs "slice" $groups }}{{ toJson $groups }}{{ else }}[]{{ end }}`

// mustJSON encodes a string or a list of strings as JSON, for values that a
// rule template embeds; both always encode.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("render: encoding %T as JSON: %v", v, err))
	}
	return string(b)
}

// templateLiteral makes text safe inside an Oathkeeper (Go text/template)
// template: "{{" would start an action, so it is written as an action that
// prints "{{".
func templateLiteral(s string) string {
	return strings.ReplaceAll(s, "{{", `{{"{{"}}`)
}
