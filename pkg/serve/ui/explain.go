package ui

import "strings"

// What Kratos v1.3.1 says, in its own terms, when a social sign-in is
// refused, and the plain words a person needs beside it.

// registrationDisabled is Kratos' reason when a sign-in through a provider
// finds no identity with that subject and registration is off (Kratos
// then starts a registration, which refuses).
const registrationDisabled = "Registration is not allowed because it was disabled."

// noAccountHint says what a refused newcomer can do.
const noAccountHint = "There is no account here for the account you signed in with, and signing in does not create one. Ask an administrator to add you, then sign in the same way again."

// explainMessages keeps every message Kratos sent and adds, after one
// whose meaning is not plain to a person, what it means for them.
func explainMessages(msgs []Message) []Message {
	var out []Message
	for _, m := range msgs {
		out = append(out, m)
		if m.Text == registrationDisabled {
			out = append(out, Message{Text: noAccountHint, Type: "info"})
		}
	}
	return out
}

// explainError shortens a claims mapper's failure to its message and adds
// the hint for a refused newcomer.
func explainError(e *kratosError) {
	if e == nil {
		return
	}
	e.Message = mapperMessage(e.Message)
	e.Reason = mapperMessage(e.Reason)
	if e.Message == registrationDisabled || e.Reason == registrationDisabled {
		e.Hint = noAccountHint
	}
}

// mapperMessage is the message of a failed assert in a Jsonnet claims
// mapper (the rendered hostedDomain check, "only DOMAIN accounts may sign
// in"): Kratos reports "jsonnetsecure: ERROR: RUNTIME ERROR: MESSAGE"
// followed by the mapper's whole base64:// URL and a stack trace, which
// says nothing to the person and kilobytes to the page. Other text is
// returned as it is.
func mapperMessage(s string) string {
	const marker = "RUNTIME ERROR: "
	i := strings.Index(s, marker)
	if i < 0 {
		return s
	}
	msg := s[i+len(marker):]
	if j := strings.IndexAny(msg, "\n\t"); j >= 0 {
		msg = msg[:j]
	}
	if msg = strings.TrimSpace(msg); msg == "" {
		return s
	}
	return msg
}
