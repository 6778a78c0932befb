package apply_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/doctor"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/setup"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// doctorRewrites are the loopback changes on top of the servers' own.
var doctorRewrites = []string{
	"oathkeeper *.check_session_url: the harness Kratos public URL + sessions/whoami",
	"doctor --issuer: Hydra's harness issuer https://127.0.0.1:PORT/ (the harness rewrites urls.self.issuer; the profile's is https://oauth.blog.example.com/)",
	"doctor --certificate-authority: the harness CA of Hydra's serving certificate",
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
	r := e2e.RenderedExample(t, "ingress")
	ds := &doctorStack{kratos: e2e.StartKratos(t, r, nil)}
	ds.hydra = stack.StartHydra(t, stack.HydraOptions{Config: e2e.HydraConfig(t, r)})
	e2e.LogRewrites(t, "hydra", e2e.HydraRewrites, ds.hydra.Rewrites())
	k := r.Profile.Spec.Kubernetes
	// setup -f registers the loopback URIs and the built-in UI's code page
	// (the headless login's redirect).
	op := setup.Setup{Token: kubeconfig.Options{ClientID: k.ClientID}, GroupsScope: k.Claims.GroupsScope, RedirectPorts: k.RedirectPorts, CodeURL: r.Profile.Wiring().KubectlCodeURL}
	ds.hydra.CreateClient(t, op.Client())

	cfg, rules := e2e.OathkeeperConfig(t, r)
	for _, h := range []string{"cookie_session", "bearer_token"} {
		if c, ok := e2e.Get(cfg, "authenticators."+h+".config").(map[string]any); ok {
			c["check_session_url"] = ds.kratos.PublicURL + "sessions/whoami"
		}
	}
	o, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: [][]byte{rules}})
	if err != nil {
		t.Fatalf("real Oathkeeper rejected the rendered config:\n%v", err)
	}
	ds.oathkeeper = o
	e2e.LogRewrites(t, "oathkeeper", append(append([]string{}, e2e.OathkeeperRewrites...), doctorRewrites...), o.Rewrites())

	profileFile := e2e.InRepo("examples/ingress.yaml")
	caFile := e2e.WriteFile(t, t.TempDir(), "hydra-ca.pem", ds.hydra.CAPEM)
	ds.args = []string{"doctor", "-f", profileFile, "--issuer", ds.hydra.IssuerURL, "--certificate-authority", caFile,
		"--kratos-public-url", ds.kratos.PublicURL, "--kratos-admin-url", ds.kratos.AdminURL,
		"--hydra-public-url", ds.hydra.PublicURL, "--hydra-admin-url", ds.hydra.AdminURL,
		"--oathkeeper-api-url", ds.oathkeeper.APIURL, "--tls-fail-within", "1h", "--tls-warn-within", "2h"}
	return ds
}

func doctorReport(t *testing.T, r e2e.Result) doctor.Report {
	t.Helper()
	var rep doctor.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, r.Stdout)
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
	bin := e2e.Authctl(t)
	ds := startDoctorStack(t)

	res := e2e.Run(t, bin, nil, append(ds.args, "-o", "json")...)
	rep := doctorReport(t, res)
	if res.Code != 0 || rep.Failed != 0 {
		t.Fatalf("healthy stack: exit %d, %d failed:\n%s", res.Code, rep.Failed, res.Stdout)
	}
	// What the profile leaves to its user is no failure: its dead end
	// (registration on, kubectl by email, no courier) warns, and its TLS
	// Secret is not looked up without a cluster connection.
	notPass := map[string]doctor.Status{"verified-emails": doctor.Warn, "secret/blog-example-com-tls": doctor.Skip}
	for _, c := range rep.Checks {
		if want, ok := notPass[c.Name]; ok {
			if c.Status != want || c.Fix == "" {
				t.Errorf("%s: %s (%s), want %s with a fix", c.Name, c.Status, c.Message, want)
			}
			delete(notPass, c.Name)
			continue
		}
		if c.Status != doctor.Pass {
			t.Errorf("%s: %s (%s), want pass", c.Name, c.Status, c.Message)
		}
	}
	if len(notPass) > 0 {
		t.Errorf("no check %v", notPass)
	}
	got := doctorStatuses(rep)
	if m := got["decisions-without-session"].Message; !strings.Contains(m, "dashboard.blog.example.com 302") || strings.Contains(m, "api.blog.example.com") {
		t.Errorf("decisions: %s (want the session hosts with 302, not the anonymous api)", m)
	}
	if m := got["rules-served"].Message; !strings.Contains(m, "Oathkeeper serves all") {
		t.Errorf("rules-served: %s", m)
	}
	if m := got["tls-expiry"].Message; !strings.Contains(m, "expires in") {
		t.Errorf("tls-expiry: %s", m)
	}

	// The plain report: ✔ per check, no ANSI off a terminal, nothing on stderr but the summary.
	plain := e2e.Run(t, bin, nil, ds.args...)
	if plain.Code != 0 || strings.Count(plain.Stdout, "✔") != len(rep.Checks)-2 || strings.Contains(plain.Stdout, "\x1b[") {
		t.Fatalf("plain report (exit %d):\n%s", plain.Code, plain.Stdout)
	}

	// With the default thresholds a 24h certificate fails.
	short := doctorStatuses(doctorReport(t, e2e.Run(t, bin, nil, append(ds.args[:len(ds.args)-4:len(ds.args)-4], "-o", "json")...)))["tls-expiry"]
	if short.Status != doctor.Fail || !strings.Contains(short.Message, "expires in 23h") || !strings.Contains(short.Fix, "renew the certificate") {
		t.Errorf("tls-expiry of a 24h certificate: %+v", short)
	}

	// Without --issuer the harness's loopback issuer does not match the profile.
	noIssuer := append([]string{}, ds.args...)
	noIssuer = append(noIssuer[:3], noIssuer[5:]...)
	mismatch := doctorStatuses(doctorReport(t, e2e.Run(t, bin, nil, append(noIssuer, "-o", "json")...)))["issuer-match"]
	if mismatch.Status != doctor.Fail || !strings.Contains(mismatch.Message, "the profile expects https://oauth.blog.example.com/") {
		t.Errorf("issuer-match without --issuer: %+v", mismatch)
	}

	ds.oathkeeper.Stop()
	res = e2e.Run(t, bin, nil, append(ds.args, "-o", "json")...)
	rep = doctorReport(t, res)
	got = doctorStatuses(rep)
	if res.Code != 1 || !strings.Contains(res.Stderr, "2 of 14 checks failed") {
		t.Fatalf("with Oathkeeper stopped: exit %d, stderr %s", res.Code, res.Stderr)
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
	plain = e2e.Run(t, bin, nil, ds.args...)
	if !strings.Contains(plain.Stdout, "✘ oathkeeper-health") || !strings.Contains(plain.Stdout, "fix: is the port-forward running? (the connection was refused) restart it: kubectl -n auth port-forward svc/blog-oathkeeper-api ") {
		t.Errorf("plain report:\n%s", plain.Stdout)
	}
}
