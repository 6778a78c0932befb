package profile_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestMFAChecks: what mfa: required and requireMFA ask for must be
// possible: a second factor people can enrol, session authenticators, and
// structured authentication on the API server.
func TestMFAChecks(t *testing.T) {
	totp := "  kratos:\n    methods: [password, totp]\n"
	mfaSvc := func(allow string) string {
		return "  services:\n" + svc("a", "a.example.com", "", "", allow) + "      mfa: required\n"
	}
	for _, tc := range []struct {
		name, input, want string
	}{
		{"mfa with totp", header + totp + mfaSvc("session, bearer"), ""},
		{"mfa without a second factor", header + mfaSvc("session"), "spec.kratos.methods: spec.services[0].mfa asks for a second factor, but no method people can enrol as one is enabled"},
		{"mfa with passwordless webauthn only", header + "  kratos:\n    methods: [password, webauthn]\n    webauthn: {passwordless: true}\n" + mfaSvc("session"), "no method people can enrol as one"},
		{"mfa with webauthn as second factor", header + "  kratos:\n    methods: [password, webauthn]\n" + mfaSvc("session"), ""},
		{"mfa with jwt", header + totp + mfaSvc("jwt") + "      audience: [x]\n", "spec.services[0].allow: jwt requests carry no Kratos assurance level"},
		{"mfa with anonymous", header + totp + mfaSvc("session, anonymous"), "anonymous requests carry no Kratos assurance level"},
		{"mfa and groups with Ory's UI", header + totp + "  ui: {implementation: ory}\n" + mfaSvc("session") + "      requiredGroups: [ops]\n", "spec.services[0].mfa: with Ory's UI a refused browser goes to Kratos' second-factor login"},
		{"mfa and groups with Ory's UI, APIs only", header + totp + "  ui: {implementation: ory}\n" + mfaSvc("session") + "      requiredGroups: [ops]\n      onFailure: json\n", ""},
		{"mfa with Ory's UI", header + totp + "  ui: {implementation: ory}\n" + mfaSvc("session"), ""},
		{"requireMFA with totp", header + totp + "  kubernetes:\n    requireMFA: true\n", ""},
		{"requireMFA without a second factor", header + "  kubernetes:\n    requireMFA: true\n", "spec.kubernetes.requireMFA asks for a second factor"},
		{"requireMFA on an old cluster", header + totp + "  kubernetes:\n    requireMFA: true\n    version: \"1.28\"\n", "the --oidc-* flags of Kubernetes 1.28 cannot check a list claim"},
		{"requireMFA with kubectl off", header + "  kubernetes:\n    enabled: false\n    requireMFA: true\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profile.Parse("p.yaml", t.TempDir(), []byte(tc.input))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestSecondFactors(t *testing.T) {
	on := true
	for _, tc := range []struct {
		k    profile.Kratos
		want []string
	}{
		{profile.Kratos{Methods: []string{"password"}}, nil},
		{profile.Kratos{Methods: []string{"password", "lookup_secret", "totp", "passkey", "code"}}, []string{"totp", "lookup_secret"}},
		{profile.Kratos{Methods: []string{"webauthn", "password"}}, []string{"webauthn"}},
		{profile.Kratos{Methods: []string{"webauthn", "totp"}, WebAuthn: profile.WebAuthn{Passwordless: &on}}, []string{"totp"}},
	} {
		if got := profile.SecondFactors(tc.k); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.k.Methods, got, tc.want)
		}
	}
}

// TestMFASplitMethods: a POST service without mfa beside a service of the
// same paths with it lets in people the other does not (aal1 sessions),
// so the method split is refused; with mfa on both it is fine.
func TestMFASplitMethods(t *testing.T) {
	base := header + "  kratos:\n    methods: [password, totp]\n  services:\n"
	read := svc("read", "a.example.com", "/api", "GET", "session") + "      mfa: required\n"
	write := svc("write", "a.example.com", "/api", "POST", "session")
	if _, err := profile.Parse("p.yaml", t.TempDir(), []byte(base+read+write)); err == nil || !strings.Contains(err.Error(), `services "read" and "write" split the methods`) {
		t.Errorf("POST without mfa beside GET with it: %v", err)
	}
	if _, err := profile.Parse("p.yaml", t.TempDir(), []byte(base+read+write+"      mfa: required\n")); err != nil {
		t.Errorf("both with mfa: %v", err)
	}
}
