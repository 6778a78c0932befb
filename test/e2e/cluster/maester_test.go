//go:build cluster

package cluster_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/doctor"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/cluster"
	"github.com/authctl/authctl/test/e2e/stack"
)

// maesterProfile delivers the access rules as Rule objects
// (spec.oathkeeper.rules: maester): one anonymous status page, one wiki
// behind a session, everything else the default deny. STATUS_PATH is
// what the test changes between two applies: a change that keeps the set
// of handlers the rules use, so Oathkeeper's own config (and pod) stays
// (anonymous to session would disable the anonymous authenticator in the
// config, and the Deployment would roll).
const maesterProfile = e2e.ClusterProfile + `  gateway:
    target: none
  oathkeeper:
    rules: maester
  services:
    - name: status
      hosts: [tools.dev.example.com]
      paths: [STATUS_PATH]
      methods: [GET]
      upstream: {url: "http://tools.auth.svc.cluster.local:8080"}
      allow: [anonymous]
      onFailure: json
    - name: wiki
      hosts: [tools.dev.example.com]
      paths: [/wiki]
      upstream: {url: "http://tools.auth.svc.cluster.local:8080"}
      allow: [session]
      onFailure: json
`

// TestClusterMaesterRules runs the real oathkeeper-maester (built from the
// module proxy, in its own pod with the rendered RBAC) on the node:
// `authctl apply` in maester mode creates Rule objects, maester writes them
// into the ConfigMap the real Oathkeeper pod mounts, and Oathkeeper's
// decisions follow: allow, deny, the default deny, and tricks denied.
// Changing one service and applying again changes the decision with no
// Oathkeeper restart, within a measured time; deleting a Rule removes it.
func TestClusterMaesterRules(t *testing.T) {
	stack.Require(t)
	before := maesterPrerequisites(t)
	st := e2e.ApplyProfileOnNodeAfter(t, before, strings.Replace(maesterProfile, "STATUS_PATH", "/status", 1), "dev", nil)
	n := st.N

	// What maester wrote: every rendered Rule, under maester's own id
	// "<name>.<namespace>", in the ConfigMap and key Oathkeeper mounts.
	rules, err := n.Kubectl("-n", "auth", "get", "rules.oathkeeper.ory.sh", "-o",
		`jsonpath={range .items[*]}{.metadata.name} {.status.validation.valid}{"\n"}{end}`)
	if err != nil {
		t.Fatal(err)
	}
	var ruleNames []string
	for _, line := range strings.Split(strings.TrimSpace(rules), "\n") {
		name, valid, _ := strings.Cut(line, " ")
		if valid != "true" {
			t.Errorf("Rule %s: maester's validation %q, want true", name, valid)
		}
		ruleNames = append(ruleNames, name)
	}
	written := maesterRuleIDs(t, n)
	standInMatches(t, n, strings.Replace(maesterProfile, "STATUS_PATH", "/status", 1))
	for _, name := range ruleNames {
		if !slices.Contains(written, name+".auth") {
			t.Errorf("Rule %s is not in the ConfigMap maester wrote (ids %v)", name, written)
		}
	}
	if len(written) != len(ruleNames) || len(ruleNames) < 3 {
		t.Fatalf("maester wrote %d rules for %d Rule objects: %v", len(written), len(ruleNames), written)
	}
	t.Logf("maester wrote %d rules: %v", len(written), written)

	oathkeeperPod := func() string {
		out, err := n.Kubectl("-n", "auth", "get", "pods", "-l", "app.kubernetes.io/name=oathkeeper", "-o",
			`jsonpath={range .items[*]}{.metadata.uid}/{.status.containerStatuses[0].restartCount}{"\n"}{end}`)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	podBefore := oathkeeperPod()
	api, err := n.PortForward("auth", "svc/dev-oathkeeper-api", 4456)
	if err != nil {
		t.Fatal(err)
	}
	decide := func(method, target, host string) int {
		t.Helper()
		req, _ := http.NewRequest(method, api+"/decisions"+target, nil)
		req.Host = host
		req.Header.Set("X-Forwarded-Proto", "https")
		c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			// The port-forward ends with the pod: say which.
			t.Fatalf("%s %s%s: %v (Oathkeeper pod uid/restarts %s, was %s)", method, host, target, err, oathkeeperPod(), podBefore)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const host = "tools.dev.example.com"
	for _, c := range []struct {
		why, method, target, host string
		want                      int
	}{
		{"allow: the anonymous status page", "GET", "/status", host, http.StatusOK},
		{"deny: the wiki without a session", "GET", "/wiki/page", host, http.StatusUnauthorized},
		{"default deny: a path no service serves", "GET", "/admin", host, http.StatusUnauthorized},
		{"trick: dot segments from the open page into the wiki", "GET", "/status/../wiki/page", host, http.StatusUnauthorized},
		{"trick: encoded dot segments", "GET", "/status/%2e%2e/wiki/page", host, http.StatusUnauthorized},
		{"trick: a method the status page does not allow", "POST", "/status", host, http.StatusUnauthorized},
		{"trick: a look-alike host", "GET", "/status", host + ".evil.example", http.StatusUnauthorized},
	} {
		if got := decide(c.method, c.target, c.host); got != c.want {
			t.Errorf("%s: %s %s%s = %d, want %d", c.why, c.method, c.host, c.target, got, c.want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Change one service and apply again: the status page moves to
	// /healthz. The decisions follow without Oathkeeper restarting.
	if err := os.WriteFile(st.Profile, []byte(strings.Replace(maesterProfile, "STATUS_PATH", "/healthz", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := st.Run(t, "apply", "-f", st.Profile, "--secrets-file", st.Secrets); r.Code != 0 {
		t.Fatalf("second apply exited %d:\n%s", r.Code, r.Stderr)
	}
	changed := waitDecision(t, func() bool { return decide("GET", "/healthz", host) == http.StatusOK }, maesterBound)
	t.Logf("MEASURED: the changed service's decision followed the apply in %s (maester writes the ConfigMap, the kubelet syncs the volume every 10s here, Oathkeeper watches the file)", changed.Round(100*time.Millisecond))
	if got := decide("GET", "/status", host); got != http.StatusUnauthorized {
		t.Errorf("the old status path answers %d after the change, want 401 (default deny)", got)
	}
	if got := oathkeeperPod(); got != podBefore {
		t.Errorf("Oathkeeper restarted (pod uid/restarts %s, was %s)", got, podBefore)
	}
	if got := decide("GET", "/wiki/page", host); got != http.StatusUnauthorized {
		t.Errorf("the unchanged wiki answers %d, want 401", got)
	}

	// Deleting a Rule removes its rule: maester's finalizer rewrites the
	// ConfigMap without it, and the status page (now /healthz) then matches
	// no rule at all (Oathkeeper: 404, never forwarded).
	var statusRule string
	for _, name := range ruleNames {
		if strings.HasSuffix(name, "-status") {
			statusRule = name
		}
	}
	if statusRule == "" {
		t.Fatalf("no status Rule among %v", ruleNames)
	}
	if out, err := n.Kubectl("-n", "auth", "delete", "rules.oathkeeper.ory.sh", statusRule, "--timeout=1m"); err != nil {
		t.Fatalf("deleting Rule %s: %v\n%s", statusRule, err, out)
	}
	if ids := maesterRuleIDs(t, n); slices.Contains(ids, statusRule+".auth") || len(ids) != len(ruleNames)-1 {
		t.Errorf("after deleting Rule %s the ConfigMap holds %v", statusRule, ids)
	}
	gone := waitDecision(t, func() bool { return decide("GET", "/healthz", host) == http.StatusNotFound }, maesterBound)
	t.Logf("MEASURED: the deleted Rule's rule left Oathkeeper in %s", gone.Round(100*time.Millisecond))
	if got := decide("GET", "/admin", host); got != http.StatusUnauthorized {
		t.Errorf("default deny after the delete: %d, want 401", got)
	}
	if got := oathkeeperPod(); got != podBefore {
		t.Errorf("Oathkeeper restarted (pod uid/restarts %s, was %s)", got, podBefore)
	}

	// A Rule maester cannot convert (a handler it does not know) is marked
	// invalid and silently left out; `authctl doctor` reports it, with the
	// kubectl line that shows maester's verdict.
	if out, err := n.Kubectl("-n", "auth", "patch", "rules.oathkeeper.ory.sh", "dev-wiki", "--type", "merge",
		"-p", `{"spec":{"authenticators":[{"handler":"kratos_session"}]}}`); err != nil {
		t.Fatalf("patching Rule dev-wiki: %v\n%s", err, out)
	}
	waitDecision(t, func() bool { return decide("GET", "/wiki/page", host) == http.StatusNotFound }, maesterBound)
	verdict, _ := n.Kubectl("-n", "auth", "get", "rules.oathkeeper.ory.sh", "dev-wiki", "-o", "jsonpath={.status.validation}")
	if !strings.Contains(verdict, `"valid":false`) || !strings.Contains(verdict, "kratos_session") {
		t.Errorf("maester's verdict on the unknown handler: %s", verdict)
	}
	r := st.Run(t, "doctor", "-f", st.Profile, "-o", "json")
	var rep doctor.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("doctor -o json: %v\n%s%s", err, r.Stdout, r.Stderr)
	}
	var served *doctor.Check
	for i, c := range rep.Checks {
		if c.Name == "rules-served" {
			served = &rep.Checks[i]
		}
	}
	// dev-status was deleted above, dev-wiki is invalid: both are missing.
	if served == nil || served.Status != doctor.Fail || !strings.Contains(served.Message, "dev-status, dev-wiki") ||
		!strings.Contains(served.Fix, "get rules.oathkeeper.ory.sh dev-status dev-wiki") || r.Code != 1 {
		t.Errorf("doctor's rules-served (exit %d): %+v\n%s", r.Code, served, r.Stderr)
	} else {
		t.Logf("doctor: %s: %s\n  fix: %s", served.Name, served.Message, served.Fix)
	}
}

// maesterBound is how long a changed or deleted Rule may take to reach
// Oathkeeper's decisions on the node: measured 4.5 to 14.1 s (maester at
// once, then the kubelet's 10 s volume sync and Oathkeeper's file watch);
// the bound leaves room for a loaded machine.
const maesterBound = time.Minute

// maesterPrerequisites is what a node needs before `authctl apply` in
// maester mode: the Rule CRD is the cluster's (authctl renders Rules, not
// the CRD), installed from the pinned module, and the controller's image
// is the local build.
func maesterPrerequisites(t *testing.T) func(*cluster.Node) {
	t.Helper()
	versions, err := stack.Versions()
	if err != nil {
		t.Fatal(err)
	}
	crd := filepath.Join(e2e.ModuleDir(t, "github.com/ory/oathkeeper-maester@"+versions["OATHKEEPER_MAESTER_VERSION"]),
		"config/crd/bases/oathkeeper.ory.sh_rules.yaml")
	im, err := cluster.MaesterImage()
	if err != nil {
		t.Fatal(err)
	}
	return func(n *cluster.Node) {
		if err := n.ImportImages(im); err != nil {
			t.Fatal(err)
		}
		if out, err := n.Kubectl("apply", "--server-side", "-f", crd); err != nil {
			t.Fatalf("installing the Rule CRD: %v\n%s", err, out)
		}
		if _, err := n.Kubectl("wait", "--for=condition=Established", "crd/rules.oathkeeper.ory.sh", "--timeout=1m"); err != nil {
			t.Fatal(err)
		}
	}
}

// maesterWritten are the rules in the ConfigMap maester writes, by id.
func maesterWritten(t *testing.T, n *cluster.Node) map[string]map[string]any {
	t.Helper()
	raw, err := n.Kubectl("-n", "auth", "get", "configmap", "dev-oathkeeper-rules", "-o", `jsonpath={.data.access-rules\.json}`)
	if err != nil {
		t.Fatalf("the rules ConfigMap: %v\n%s", err, raw)
	}
	return rulesByID(t, []byte(raw))
}

func rulesByID(t *testing.T, raw []byte) map[string]map[string]any {
	t.Helper()
	var rules []map[string]any
	if err := json.Unmarshal(raw, &rules); err != nil {
		t.Fatalf("rules %q: %v", raw, err)
	}
	out := map[string]map[string]any{}
	for _, r := range rules {
		id, _ := r["id"].(string)
		out[id] = r
	}
	return out
}

// maesterRuleIDs are the rule ids in the ConfigMap maester writes.
func maesterRuleIDs(t *testing.T, n *cluster.Node) []string {
	t.Helper()
	var ids []string
	for id := range maesterWritten(t, n) {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// standInMatches checks the loopback tests' stand-in for maester
// (e2e.StandInMaesterRulesJSON) against what the real one wrote for the
// same profile: the same ids, and every field the stand-in sets equal.
func standInMatches(t *testing.T, n *cluster.Node, profileText string) {
	t.Helper()
	p, err := profile.Parse("profile.yaml", "", []byte(profileText))
	if err != nil {
		t.Fatal(err)
	}
	standIn := rulesByID(t, e2e.StandInMaesterRulesJSON(t, e2e.RenderProfile(t, "maester", p)))
	written := maesterWritten(t, n)
	if len(standIn) != len(written) {
		t.Errorf("the stand-in writes %d rules, maester %d", len(standIn), len(written))
	}
	for id, want := range standIn {
		got, ok := written[id]
		if !ok {
			t.Errorf("the stand-in writes rule %s, maester does not", id)
			continue
		}
		for k, v := range want {
			if k == "upstream" {
				// Maester adds its defaults (strip_path): compare what
				// the stand-in sets.
				for uk, uv := range v.(map[string]any) {
					if g := got[k].(map[string]any)[uk]; e2e.MustJSON(t, g) != e2e.MustJSON(t, uv) {
						t.Errorf("rule %s upstream.%s: stand-in %s, maester %s", id, uk, e2e.MustJSON(t, uv), e2e.MustJSON(t, g))
					}
				}
				continue
			}
			if e2e.MustJSON(t, got[k]) != e2e.MustJSON(t, v) {
				t.Errorf("rule %s %s: stand-in %s, maester %s", id, k, e2e.MustJSON(t, v), e2e.MustJSON(t, got[k]))
			}
		}
	}
}

// waitDecision polls ok every 250 ms and returns how long it took to hold.
func waitDecision(t *testing.T, ok func() bool, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > timeout {
			t.Fatalf("no change after %s", timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
	return time.Since(start)
}
