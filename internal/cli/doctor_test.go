package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/apply"
	"github.com/authctl/authctl/pkg/doctor"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
	"github.com/authctl/authctl/pkg/secrets"
)

// TestDoctorFlags is the argv (and environment) → options table.
func TestDoctorFlags(t *testing.T) {
	def := DoctorOptions{ProfileFile: "p.yaml", Timeout: 5 * time.Second, TLSFailWithin: 168 * time.Hour, TLSWarnWithin: 504 * time.Hour}
	with := func(edit func(*DoctorOptions)) DoctorOptions { o := def; edit(&o); return o }
	cases := []flagCase[DoctorOptions]{
		{args: []string{"-f", "p.yaml"}, want: def},
		{args: []string{"-f", "p.yaml", "--hydra-admin-url", "http://127.0.0.1:4445/", "-o", "json", "--timeout", "2s"}, want: with(func(o *DoctorOptions) {
			o.Endpoints.HydraAdmin, o.Output, o.Timeout = "http://127.0.0.1:4445/", "json", 2*time.Second
		})},
		{args: []string{"-f", "p.yaml"}, env: map[string]string{"KRATOS_ADMIN_URL": "http://k:4434/", "OATHKEEPER_API_URL": "http://o:4456/"}, want: with(func(o *DoctorOptions) {
			o.Endpoints = doctor.Endpoints{KratosAdmin: "http://k:4434/", OathkeeperAPI: "http://o:4456/"}
		})},
		{args: []string{"-f", "p.yaml", "--kratos-admin-url", "http://flag/"}, env: map[string]string{"KRATOS_ADMIN_URL": "http://env/"}, want: with(func(o *DoctorOptions) { o.Endpoints.KratosAdmin = "http://flag/" })},
		{args: []string{}, wantErr: "required flag -f/--filename is missing"},
		{args: []string{"-f", "p.yaml", "-o", "table"}, wantErr: `unknown -o/--output "table" (allowed: text, json, yaml)`},
		{args: []string{"-f", "p.yaml", "--timeout", "0s"}, wantErr: "--timeout must be positive"},
	}
	runFlagCases(t, newDoctorCommand, cases)
}

func TestDoctorReportPlainHasNoANSI(t *testing.T) {
	r := doctor.Report{Checks: []doctor.Check{{Name: "a", Status: doctor.Pass, Message: "ok"}, {Name: "bb", Status: doctor.Fail, Message: "down", Fix: "start it"}}}
	var plain, color bytes.Buffer
	printDoctorReport(&plain, r, false)
	printDoctorReport(&color, r, true)
	want := "✔ a   ok\n✘ bb  down\n      fix: start it\n"
	if plain.String() != want {
		t.Fatalf("plain:\n%q\nwant\n%q", plain.String(), want)
	}
	if !strings.Contains(color.String(), "\x1b[31m✘\x1b[0m") {
		t.Fatalf("colour: %q", color.String())
	}
}

// TestDoctorForwardsTheServices: with --kubeconfig/--context, doctor
// port-forwards the public and admin Services itself (a fake forwarder
// here: the harness runs no kubelet), and a URL given still wins.
func TestDoctorForwardsTheServices(t *testing.T) {
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/health/ready") {
			w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer ready.Close()
	given := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) }))
	defer given.Close()
	var out, errOut bytes.Buffer
	streams := IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	o := doctorThroughForwards(ready.URL, given.URL, "json")
	cmd := newDoctorCommand(NewFactory(streams), nil)
	cmd.SetContext(context.Background())
	_ = runDoctor(cmd, streams, o)
	for _, svc := range []string{"dev-kratos-public", "dev-kratos-admin", "dev-hydra-public", "dev-hydra-admin"} {
		if !strings.Contains(errOut.String(), "forwarding "+svc+" to ") {
			t.Errorf("%s was not forwarded:\n%s", svc, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), "oathkeeper-api") {
		t.Errorf("the Oathkeeper URL was given, yet it was forwarded:\n%s", errOut.String())
	}
	var rep doctor.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, c := range rep.Checks {
		switch c.Name {
		case "kratos-health", "hydra-health", "oathkeeper-health":
			if c.Status != doctor.Pass {
				t.Errorf("%s through the forwards: %+v", c.Name, c)
			}
		}
	}
}

// doctorThroughForwards is doctor on examples/minimal.yaml with a fake
// forwarder sending the four public and admin Services to forwarded, and
// the Oathkeeper API given as a URL.
func doctorThroughForwards(forwarded, oathkeeper, output string) *DoctorOptions {
	o := &DoctorOptions{ProfileFile: "../../examples/minimal.yaml", Timeout: 2 * time.Second, Output: output}
	o.Endpoints.OathkeeperAPI = oathkeeper
	o.Cluster = ApplyOptions{Context: "prod", Forwarder: apply.StaticForwarder{
		"auth/dev-kratos-public:4433": forwarded, "auth/dev-kratos-admin:4434": forwarded,
		"auth/dev-hydra-public:4444": forwarded, "auth/dev-hydra-admin:4445": forwarded,
	}}
	return o
}

// fakeSecretsCluster is a Cluster that only says which Secrets exist
// (namespace/name → keys), standing in for a cluster at the connection
// seam; the real kube-apiserver answers test/e2e/apply's
// TestDoctorSecretsOnKubeAPIServer. Anything else is refused.
type fakeSecretsCluster struct {
	secrets map[string][]string
	asked   *[]string
}

var errFakeCluster = errors.New("a fake cluster only has Secrets")

func (fakeSecretsCluster) Install(context.Context, *profile.Profile, *secrets.File, string, string) (*InstallResult, error) {
	return nil, errFakeCluster
}
func (fakeSecretsCluster) History(context.Context, string, string) ([]Revision, error) {
	return nil, errFakeCluster
}
func (fakeSecretsCluster) Rollback(context.Context, string, string, int) error { return errFakeCluster }
func (fakeSecretsCluster) WaitForRollout(context.Context, string, string, time.Duration, func([]progress.Item)) error {
	return errFakeCluster
}
func (fakeSecretsCluster) Forwarder(io.Writer) (Forwarder, error) {
	return apply.StaticForwarder{}, nil
}
func (f fakeSecretsCluster) SecretKeys(_ context.Context, namespace, name string) ([]string, bool, error) {
	*f.asked = append(*f.asked, namespace+"/"+name)
	keys, ok := f.secrets[namespace+"/"+name]
	return keys, ok, nil
}

// TestDoctorChecksSecretsOnAFakeCluster: with --context, doctor asks the
// cluster connection for each Secret the profile leaves to its user, in the
// stack's namespace: one that exists passes, a missing one fails (exit 1)
// with the kubectl line that creates it.
func TestDoctorChecksSecretsOnAFakeCluster(t *testing.T) {
	file := staffSSO(t, t.TempDir())
	var out, errOut bytes.Buffer
	streams := IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	var asked []string
	f := NewFactory(streams)
	f.Cluster = func(_, _, _ string) Cluster {
		return fakeSecretsCluster{secrets: map[string][]string{"auth/google-oauth": {"client-secret"}}, asked: &asked}
	}
	closed := "http://127.0.0.1:1/"
	o := &DoctorOptions{ProfileFile: file, Timeout: time.Second, Output: "json",
		Endpoints: doctor.Endpoints{KratosPublic: closed, KratosAdmin: closed, HydraPublic: closed, HydraAdmin: closed, OathkeeperAPI: closed},
		Cluster:   ApplyOptions{Context: "prod", factory: f}}
	cmd := newDoctorCommand(f, nil)
	cmd.SetContext(context.Background())
	err := runDoctor(cmd, streams, o)
	var rep doctor.Report
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil || err == nil {
		t.Fatalf("err %v, %v\n%s", err, jerr, out.String())
	}
	if strings.Join(asked, ",") != "auth/corp-example-com-tls,auth/google-oauth" {
		t.Errorf("asked the cluster for %v", asked)
	}
	checks := map[string]doctor.Check{}
	for _, c := range rep.Checks {
		checks[c.Name] = c
	}
	if c := checks["secret/google-oauth"]; c.Status != doctor.Pass {
		t.Errorf("existing Secret: %+v", c)
	}
	if c := checks["secret/corp-example-com-tls"]; c.Status != doctor.Fail || c.Fix != "kubectl -n auth create secret tls corp-example-com-tls --cert=<path/to/tls.crt> --key=<path/to/tls.key>" {
		t.Errorf("missing Secret: %+v", c)
	}
	if c := checks["sso-registration"]; c.Status != doctor.Warn {
		t.Errorf("sso-registration: %+v", c)
	}
}
