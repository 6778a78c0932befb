//go:build cluster

package apply_test

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
	n := applyClusterProfile(t).N
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
				{svc("hydra-admin", 4445, "/health/alive"), false},
				{svc("token-hook", 4460, "/"), false},
			},
		},
		{
			name: "unlabelled pod in the stack's namespace", namespace: "auth",
			probes: []probe{
				{svc("kratos-admin", 4434, "/admin/health/alive"), false},
				{svc("hydra-admin", 4445, "/health/alive"), false},
			},
		},
		{
			name: "bootstrap pod", namespace: "auth",
			labels: map[string]string{"app.kubernetes.io/name": "bootstrap", "app.kubernetes.io/instance": "dev"},
			probes: []probe{
				{svc("kratos-admin", 4434, "/admin/health/alive"), true},
				{svc("hydra-admin", 4445, "/health/alive"), true},
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
	// Every client pod runs first; probes then run inside them (kubectl
	// exec), once kube-router has processed the pods.
	ips := make([]string, len(cases))
	for i, c := range cases {
		ip, err := n.StartClientPod(c.namespace, fmt.Sprintf("client%d", i), c.labels)
		if err != nil {
			t.Fatal(err)
		}
		ips[i] = ip
	}
	for i, c := range cases {
		if c.labels != nil && c.labels["app.kubernetes.io/instance"] == "dev" {
			if err := n.WaitEnforcerKnows(ips[i], time.Minute); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, c := range cases {
		pod := fmt.Sprintf("client%d", i)
		for _, p := range c.probes {
			var got string
			deadline := time.Now().Add(20 * time.Second)
			for {
				out, _ := n.PodExec(c.namespace, pod, "e2eutil", "get-all", "3s", p.url)
				got = strings.TrimSpace(out)
				// An admitted probe may race the enforcer's last sync:
				// retry it for a while. A blocked one is tried once.
				if !p.answer || strings.HasPrefix(got, p.url+" 200") || time.Now().After(deadline) {
					break
				}
				time.Sleep(time.Second)
			}
			answered := strings.HasPrefix(got, p.url+" 200")
			// kube-router rejects (ICMP port unreachable: "connection
			// refused") rather than drops; a port that is not listening
			// would look the same, which is why every blocked port is
			// also reached from an admitted pod.
			blocked := strings.HasPrefix(got, p.url+" TIMEOUT") || strings.Contains(got, "connection refused")
			switch {
			case p.answer && !answered:
				t.Errorf("%s (%s): %s should answer 200, got %q", c.name, ips[i], p.url, got)
			case !p.answer && !blocked:
				t.Errorf("%s (%s): %s should be blocked by the NetworkPolicy, got %q", c.name, ips[i], p.url, got)
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
