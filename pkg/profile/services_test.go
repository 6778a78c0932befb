package profile_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

func svc(name, host, paths, methods, allow string) string {
	s := "    - name: " + name + "\n      hosts: [" + host + "]\n      upstream: {url: \"http://up:80\"}\n      allow: [" + allow + "]\n"
	if paths != "" {
		s += "      paths: [" + paths + "]\n"
	}
	if methods != "" {
		s += "      methods: [" + methods + "]\n"
	}
	return s
}

// TestServiceLint covers the access-rule lint: overlaps, unreachable rules,
// hosts outside the cookie domain, and authenticator conflicts.
func TestServiceLint(t *testing.T) {
	cases := []struct {
		name     string
		services string
		want     string // "" means valid
	}{
		{"disjoint hosts", svc("a", "a.example.com", "", "", "session") + svc("b", "b.example.com", "", "", "session"), ""},
		{"disjoint paths", svc("a", "a.example.com", "/x", "", "session") + svc("b", "a.example.com", "/y", "", "session"), ""},
		{"disjoint methods", svc("a", "a.example.com", "", "GET", "session") + svc("b", "a.example.com", "", "POST", "session"), ""},
		{"prefix is not a segment", svc("a", "a.example.com", "/api", "", "session") + svc("b", "a.example.com", "/apiv2", "", "session"), ""},
		{"same host and path", svc("a", "a.example.com", "", "", "session") + svc("b", "a.example.com", "", "", "jwt"), `service "b" matches exactly the requests of "a"`},
		{"nested path", svc("a", "a.example.com", "/", "", "session") + svc("b", "a.example.com", "/api", "", "jwt"), `service "b" is unreachable: every request it matches is also matched by "a"`},
		{"broader rule second", svc("a", "a.example.com", "/api/v1", "", "session") + svc("b", "a.example.com", "/api", "", "jwt"), `service "a" is unreachable`},
		{"partial overlap", svc("a", "a.example.com", "/api", "GET,POST", "session") + svc("b", "a.example.com", "/api", "POST,PUT", "jwt"), `service "b" overlaps "a"`},
		{"host outside cookie domain", svc("a", "a.other.org", "", "", "session"), `outside the cookie domain "example.com"`},
		{"outside domain is fine for jwt", svc("a", "a.other.org", "", "", "jwt"), ""},
		{"two bearer authenticators", svc("a", "a.example.com", "", "", "bearer, jwt"), "more than one bearer-token authenticator"},
		{"bad path", svc("a", "a.example.com", "api", "", "session"), `invalid path prefix "api"`},
		{"stack host", svc("a", "auth.example.com", "", "", "session"), "belongs to the auth stack"},
		{"unknown authenticator", svc("a", "a.example.com", "", "", "basic"), `unknown value "basic"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+"  services:\n"+tc.services))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), "p.yaml:"):
				t.Fatalf("error has no position: %v", err)
			}
		})
	}
}
