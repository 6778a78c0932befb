package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/apply"
	"github.com/authctl/authctl/pkg/doctor"
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

// TestForwardHintFollowed: doctor --context with a context the kubeconfig
// lacks says to list the contexts, through the same kubeconfig, and that
// line works when followed (the real kubectl lists the real one); any
// other forwarding failure keeps --kubeconfig and --context in its line.
func TestForwardHintFollowed(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: kind-dev\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {}\ncurrent-context: kind-dev\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hint := forwardHint(errors.New(`could not connect to the cluster: context "kind-prod" does not exist`), kc, "kind-prod", "auth")
	line, _, _ := strings.Cut(hint, " (")
	if line != "kubectl --kubeconfig "+kc+" config get-contexts" {
		t.Fatalf("hint %q", hint)
	}
	args := strings.Fields(line)
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "kind-dev") {
		t.Fatalf("following the hint: %v\n%s", err, out)
	}
	if hint := forwardHint(errors.New("pods not ready"), kc, "kind-dev", "auth"); !strings.HasPrefix(hint, "kubectl --kubeconfig "+kc+" --context kind-dev -n auth get pods") {
		t.Errorf("hint %q", hint)
	}
}
