package profile

import (
	"strings"
	"testing"
)

// Identity header names: none reserved (compared canonically), each once,
// and only in the headers mode.
func TestValidateForwardHeaders(t *testing.T) {
	p, err := Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	check := func(sv Service, want string) {
		t.Helper()
		errs := p.validateForwardHeaders("spec.services[0]", sv)
		if got := errs.Error(); (want == "") != (len(errs) == 0) || !strings.Contains(got, want) {
			t.Errorf("%+v: %q, want %q", sv.Forward, got, want)
		}
	}
	sv := Service{Forward: Forward{Mode: "headers"}}
	sv.Forward.Headers.Subject, sv.Forward.Headers.Email = "X-User", "X-Email"
	check(sv, "")
	sv.Forward.Headers.Email = "authorization"
	check(sv, "authorization is reserved")
	sv.Forward.Headers.Email = "x-user"
	check(sv, "x-user is already the subject header")
	sv.Forward.Headers.Email = "X-Forwarded-Email"
	check(sv, "is reserved")
	sv.Forward.Mode = "passthrough"
	check(sv, "header names apply to the headers mode only")
}
