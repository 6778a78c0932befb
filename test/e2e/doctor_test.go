package e2e_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/doctor"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/setup"
	"github.com/authctl/authctl/test/e2e/stack"
)

// doctorRewrites are the loopback changes on top of the servers' own.
var doctorRewrites = []string{
	"oathkeeper *.check_session_url: the harness Kratos public URL + sessions/whoami",
	"doctor --issuer: Hydra's harness issuer https://127.0.0.1:PORT/ (the harness rewrites urls.self.issuer; the profile's is https://oauth.blog.example.com/)",
	"doctor --ca-file: the harness CA of Hydra's serving certificate",
	"doctor --tls-fail-within 1h --tls-warn-within 2h: harness certificates live 24h",
}

// doctorStack is real Kratos, Hydra and Oathkeeper started from the rendered
// ingress example, with the kubectl client registered as setup does.
type doctorStack struct {
	kratos     *stack.Kratos
	hydra      *stack.Hydra
	oathkeeper *stack.Oathkeeper
	args       []string
}

func startDoctorStack(t *testing.T) *doctorStack {
	t.Helper()
	r := exampleNamed(t, "ingress")
	ds := &doctorStack{kratos: startKratos(t, r, nil)}
	ds.hydra = stack.StartHydra(t, stack.HydraOptions{Config: hydraConfig(t, r)})
	logRewrites(t, "hydra", hydraRewrites, ds.hydra.Rewrites())
	k := r.profile.Spec.Kubernetes
	ds.hydra.CreateClient(t, setup.KubectlClient(k.ClientID, kubeconfig.RedirectURIs("127.0.0.1", k.RedirectPorts), k.Claims.GroupsScope))

	cfg, rules := oathkeeperConfig(t, r)
	for _, h := range []string{"cookie_session", "bearer_token"} {
		if c, ok := get(cfg, "authenticators."+h+".config").(map[string]any); ok {
			c["check_session_url"] = ds.kratos.PublicURL + "sessions/whoami"
		}
	}
	o, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: [][]byte{rules}})
	if err != nil {
		t.Fatalf("real Oathkeeper rejected the rendered config:\n%v", err)
	}
	ds.oathkeeper = o
	logRewrites(t, "oathkeeper", append(append([]string{}, oathkeeperRewrites...), doctorRewrites...), o.Rewrites())

	profileFile, err := filepath.Abs("../../examples/ingress.yaml")
	if err != nil {
		t.Fatal(err)
	}
	caFile := writeFile(t, t.TempDir(), "hydra-ca.pem", ds.hydra.CAPEM)
	ds.args = []string{"doctor", "-f", profileFile, "--issuer", ds.hydra.IssuerURL, "--ca-file", caFile,
		"--kratos-public-url", ds.kratos.PublicURL, "--kratos-admin-url", ds.kratos.AdminURL,
		"--hydra-public-url", ds.hydra.PublicURL, "--hydra-admin-url", ds.hydra.AdminURL,
		"--oathkeeper-api-url", ds.oathkeeper.APIURL, "--tls-fail-within", "1h", "--tls-warn-within", "2h"}
	return ds
}

func doctorReport(t *testing.T, r bsResult) doctor.Report {
	t.Helper()
	var rep doctor.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, r.stdout)
	}
	return rep
}

func doctorStatuses(rep doctor.Report) map[string]doctor.Check {
	out := map[string]doctor.Check{}
	for _, c := range rep.Checks {
		out[c.Name] = c
	}
	return out
}

// TestDoctorHealthyThenServerStopped runs doctor against a healthy stack
// (every check passes), then stops Oathkeeper: its checks fail with a fix
// and the exit code is 1.
func TestDoctorHealthyThenServerStopped(t *testing.T) {
	stack.Require(t)
	bin := bsBinary(t)
	ds := startDoctorStack(t)

	res := bsRun(t, bin, nil, append(ds.args, "-o", "json")...)
	rep := doctorReport(t, res)
	if res.code != 0 || rep.Failed != 0 {
		t.Fatalf("healthy stack: exit %d, %d failed:\n%s", res.code, rep.Failed, res.stdout)
	}
	for _, c := range rep.Checks {
		if c.Status != doctor.Pass {
			t.Errorf("%s: %s (%s), want pass", c.Name, c.Status, c.Message)
		}
	}
	got := doctorStatuses(rep)
	if m := got["decisions-without-session"].Message; !strings.Contains(m, "dashboard.blog.example.com 302") || strings.Contains(m, "api.blog.example.com") {
		t.Errorf("decisions: %s (want the session hosts with 302, not the anonymous api)", m)
	}
	if m := got["tls-expiry"].Message; !strings.Contains(m, "expires in") {
		t.Errorf("tls-expiry: %s", m)
	}

	// The plain report: ✔ per check, no ANSI off a terminal, nothing on stderr but the summary.
	plain := bsRun(t, bin, nil, ds.args...)
	if plain.code != 0 || strings.Count(plain.stdout, "✔") != len(rep.Checks) || strings.Contains(plain.stdout, "\x1b[") {
		t.Fatalf("plain report (exit %d):\n%s", plain.code, plain.stdout)
	}

	// With the default thresholds a 24h certificate fails.
	short := doctorStatuses(doctorReport(t, bsRun(t, bin, nil, append(ds.args[:len(ds.args)-4:len(ds.args)-4], "-o", "json")...)))["tls-expiry"]
	if short.Status != doctor.Fail || !strings.Contains(short.Message, "expires in 23h") || !strings.Contains(short.Fix, "renew the certificate") {
		t.Errorf("tls-expiry of a 24h certificate: %+v", short)
	}

	// Without --issuer the harness's loopback issuer does not match the profile.
	noIssuer := append([]string{}, ds.args...)
	noIssuer = append(noIssuer[:3], noIssuer[5:]...)
	mismatch := doctorStatuses(doctorReport(t, bsRun(t, bin, nil, append(noIssuer, "-o", "json")...)))["issuer-match"]
	if mismatch.Status != doctor.Fail || !strings.Contains(mismatch.Message, "the profile expects https://oauth.blog.example.com/") {
		t.Errorf("issuer-match without --issuer: %+v", mismatch)
	}

	ds.oathkeeper.Stop()
	res = bsRun(t, bin, nil, append(ds.args, "-o", "json")...)
	rep = doctorReport(t, res)
	got = doctorStatuses(rep)
	if res.code != 1 || !strings.Contains(res.stderr, "2 of 11 checks failed") {
		t.Fatalf("with Oathkeeper stopped: exit %d, stderr %s", res.code, res.stderr)
	}
	for _, name := range []string{"oathkeeper-health", "decisions-without-session"} {
		c := got[name]
		// The URL given was a loopback one: the fix asks about the forward
		// and does not repeat the flag already given.
		if c.Status != doctor.Fail || !strings.Contains(c.Message, "connection refused") || !strings.Contains(c.Fix, "is the port-forward running?") ||
			!strings.Contains(c.Fix, "port-forward svc/blog-oathkeeper-api ") || strings.Contains(c.Fix, "--oathkeeper-api-url") {
			t.Errorf("%s: %+v", name, c)
		}
	}
	for _, name := range []string{"kratos-health", "hydra-health", "jwks", "kubectl-redirect-uris"} {
		if got[name].Status != doctor.Pass {
			t.Errorf("%s should still pass: %+v", name, got[name])
		}
	}
	plain = bsRun(t, bin, nil, ds.args...)
	if !strings.Contains(plain.stdout, "✘ oathkeeper-health") || !strings.Contains(plain.stdout, "fix: is the port-forward running? (the connection was refused) restart it: kubectl -n auth port-forward svc/blog-oathkeeper-api ") {
		t.Errorf("plain report:\n%s", plain.stdout)
	}
}
