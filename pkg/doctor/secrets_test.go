package doctor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// TestJudgeSecret: a Secret to create that exists with every key passes;
// a missing one fails with the kubectl line that creates it; one without a
// key fails naming the key; a lookup that fails (RBAC) warns.
func TestJudgeSecret(t *testing.T) {
	sc := render.SecretToCreate{Name: "google-oauth", Namespace: "auth", Type: "generic", Keys: []string{"client-secret"},
		For: []string{"the client secret of SSO provider google"}, Command: "kubectl -n auth create secret generic google-oauth --from-literal=client-secret='<…>'"}
	for _, tc := range []struct {
		name         string
		keys         []string
		found        bool
		err          error
		want         Status
		message, fix string
	}{
		{"there", []string{"client-secret", "other"}, true, nil, Pass, "Secret google-oauth in auth has client-secret", ""},
		{"missing", nil, false, nil, Fail, "Secret google-oauth does not exist in auth: the client secret of SSO provider google needs it", sc.Command},
		{"without the key", []string{"clientSecret"}, true, nil, Fail, "Secret google-oauth in auth lacks key client-secret", "kubectl -n auth edit secret google-oauth (add client-secret)"},
		{"forbidden", nil, false, errors.New(`secrets "google-oauth" is forbidden`), Warn, "could not look up Secret google-oauth in auth: secrets", "kubectl auth can-i get secrets -n auth"},
	} {
		c := judgeSecret(sc, tc.keys, tc.found, tc.err)
		if c.Status != tc.want || !strings.HasPrefix(c.Message, tc.message) || !strings.Contains(c.Fix, tc.fix) {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
}

// fakeSecrets is a SecretLister over a map (namespace/name → keys): the
// cluster seam, for the checks' wiring; internal/cli's doctor test runs it
// through the command.
type fakeSecrets map[string][]string

func (f fakeSecrets) SecretKeys(_ context.Context, namespace, name string) ([]string, bool, error) {
	keys, ok := f[namespace+"/"+name]
	return keys, ok, nil
}

// TestDoctorNamesDeadEndsAndSecrets: on examples/staff-sso.yaml doctor
// warns about kubectl without a courier and SSO with registration off, and
// has one check per Secret to create: skipped with its kubectl line without
// a cluster, passed or failed with one.
func TestDoctorNamesDeadEndsAndSecrets(t *testing.T) {
	p, err := profile.Load("../../examples/staff-sso.yaml")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://127.0.0.1:1/"
	ep := Endpoints{KratosPublic: closed, KratosAdmin: closed, HydraPublic: closed, HydraAdmin: closed, OathkeeperAPI: closed}
	byName := func(r Report) map[string]Check {
		out := map[string]Check{}
		for _, c := range r.Checks {
			out[c.Name] = c
		}
		return out
	}
	got := byName(Run(context.Background(), Options{Profile: p, Endpoints: ep}))
	for name, want := range map[string]struct {
		status       Status
		message, fix string
	}{
		"verified-emails":             {Warn, "kubectl accepts only verified emails and there is no courier", "set spec.kratos.courier.smtpURISecretRef"},
		"sso-registration":            {Warn, "registration is off: new people cannot sign in through SSO", "set spec.kratos.registration: true"},
		"secret/google-oauth":         {Skip, "not looked up (give --kubeconfig or --context)", "kubectl -n auth create secret generic google-oauth --from-literal=client-secret='<"},
		"secret/corp-example-com-tls": {Skip, "not looked up", "kubectl -n auth create secret tls corp-example-com-tls --cert=<path/to/tls.crt> --key=<path/to/tls.key>"},
	} {
		c, ok := got[name]
		if !ok || c.Status != want.status || !strings.HasPrefix(c.Message, want.message) || !strings.HasPrefix(c.Fix, want.fix) {
			t.Errorf("%s: %+v, want %+v", name, c, want)
		}
	}
	r := Run(context.Background(), Options{Profile: p, Endpoints: ep, Secrets: fakeSecrets{"auth/google-oauth": {"client-secret"}}})
	got = byName(r)
	if got["secret/google-oauth"].Status != Pass || got["secret/corp-example-com-tls"].Status != Fail {
		t.Errorf("with the cluster: %+v, %+v", got["secret/google-oauth"], got["secret/corp-example-com-tls"])
	}
}
