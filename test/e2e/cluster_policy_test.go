//go:build cluster

package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e/stack"
)

// TestClusterNetworkPolicies shows the rendered NetworkPolicies enforced by
// kube-router on the real node: from a pod in another namespace the admin
// ports time out while the public ports answer; from a pod labelled as
// a component the policy admits, the admin API answers.
func TestClusterNetworkPolicies(t *testing.T) {
	stack.Require(t)
	n := applyClusterProfile(t).n
	if _, err := n.Kubectl("create", "namespace", "outside"); err != nil {
		t.Fatal(err)
	}
	svc := func(name string, port int, path string) string {
		return fmt.Sprintf("http://dev-%s.auth.svc.cluster.local:%d%s", name, port, path)
	}
	type probe struct {
		url    string
		answer bool // true: an HTTP answer; false: a timeout
	}
	cases := []struct {
		name      string
		namespace string
		labels    map[string]string
		probes    []probe
	}{
		{
			name: "other namespace", namespace: "outside",
			probes: []probe{
				{svc("kratos-public", 4433, "/health/alive"), true},
				{svc("hydra-public", 4444, "/health/alive"), true},
				{svc("kratos-admin", 4434, "/admin/health/alive"), false},
				{svc("hydra-admin", 4445, "/admin/health/alive"), false},
				{svc("token-hook", 4460, "/"), false},
			},
		},
		{
			name: "unlabelled pod in the stack's namespace", namespace: "auth",
			probes: []probe{
				{svc("kratos-admin", 4434, "/admin/health/alive"), false},
				{svc("hydra-admin", 4445, "/admin/health/alive"), false},
			},
		},
		{
			name: "bootstrap pod", namespace: "auth",
			labels: map[string]string{"app.kubernetes.io/name": "bootstrap", "app.kubernetes.io/instance": "dev"},
			probes: []probe{
				{svc("kratos-admin", 4434, "/admin/health/alive"), true},
				{svc("hydra-admin", 4445, "/admin/health/alive"), true},
			},
		},
		{
			name: "bootstrap label of another instance", namespace: "auth",
			labels: map[string]string{"app.kubernetes.io/name": "bootstrap", "app.kubernetes.io/instance": "other"},
			probes: []probe{
				{svc("kratos-admin", 4434, "/admin/health/alive"), false},
			},
		},
	}
	for i, c := range cases {
		var args []string
		for _, p := range c.probes {
			args = append(args, p.url)
		}
		// One pod per case runs every probe (e2eutil get-all), so the
		// policies are checked against the real pod identity.
		out, _ := n.RunPod(c.namespace, fmt.Sprintf("probe%d", i), append([]string{"get-all", "3s"}, args...), c.labels, 2*time.Minute)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		for j, p := range c.probes {
			got := ""
			if j < len(lines) {
				got = lines[j]
			}
			answered := strings.HasPrefix(got, p.url+" 200")
			timedOut := strings.HasPrefix(got, p.url+" TIMEOUT")
			switch {
			case p.answer && !answered:
				t.Errorf("%s: %s should answer 200, got %q", c.name, p.url, got)
			case !p.answer && !timedOut:
				t.Errorf("%s: %s should time out (NetworkPolicy), got %q", c.name, p.url, got)
			default:
				t.Logf("%s: %s", c.name, got)
			}
		}
	}
	if t.Failed() {
		rules, _ := n.NodeExec("sh", "-c", "iptables-save -t filter | grep -iE 'KUBE-NWPLCY|KUBE-POD-FW|NetworkPolicy|policy' | head -80")
		t.Logf("kube-router's rules on the node:\n%s", rules)
	}
}
