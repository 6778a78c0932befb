package profile_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// warningCases are profiles that are valid yet bite later, each with the
// warnings it gets (the start of each, at the field to change), or none.
var warningCases = []struct {
	name, input string
	want        []string
}{
	{"kubectl by email, registration on, no courier", header,
		[]string{"p.yaml:6:3: spec.kratos.courier: kubectl accepts only verified emails and there is no courier"}},
	{"kubectl by email, SSO with registration off, no courier", header + "  kratos:\n    registration: false\n    oidcProviders:\n      - {id: google, provider: google, clientID: c, clientSecretRef: {name: g}}\n",
		[]string{"p.yaml:8:5: spec.kratos.courier: kubectl accepts only verified emails and there is no courier",
			"p.yaml:8:19: spec.kratos.registration: registration is off: new people cannot sign in through SSO"}},
	{"a courier", header + "  kratos:\n    courier:\n      smtpURISecretRef: {name: smtp}\n", nil},
	{"no self-service arrival", header + "  kratos:\n    registration: false\n", nil},
	{"kubectl off", header + "  kubernetes:\n    enabled: false\n", nil},
	{"kubectl by sub", header + "  kubernetes:\n    usernameClaim: sub\n", nil},
	{"hydra off", header + "  components:\n    hydra: {enabled: false}\n", nil},
	{"SSO with registration off", header + "  kratos:\n    registration: false\n    courier:\n      smtpURISecretRef: {name: smtp}\n    oidcProviders:\n      - {id: google, provider: google, clientID: c, clientSecretRef: {name: g}}\n",
		[]string{"p.yaml:8:19: spec.kratos.registration: registration is off: new people cannot sign in through SSO"}},
	{"SSO with registration on", header + "  kratos:\n    courier:\n      smtpURISecretRef: {name: smtp}\n    oidcProviders:\n      - {id: google, provider: google, clientID: c, clientSecretRef: {name: g}}\n", nil},
	{"kratos off", header + "  components:\n    kratos: {enabled: false}\n    ui: {enabled: false}\n", nil},
}

// TestWarnings: each warning when (and only when) its dead end is there,
// located at the field to change, with a hint.
func TestWarnings(t *testing.T) {
	for _, tc := range warningCases {
		p, err := profile.Parse("p.yaml", t.TempDir(), []byte(tc.input))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		warns := p.Warnings()
		ok := len(warns) == len(tc.want)
		for i := 0; ok && i < len(warns); i++ {
			ok = strings.HasPrefix(warns[i].Error(), tc.want[i]) && warns[i].Hint != ""
		}
		if !ok {
			t.Errorf("%s: %v\nwant, each with a hint: %q", tc.name, warns, tc.want)
		}
	}
}
