//go:build cluster

package apply_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/cluster"
	"github.com/authctl/authctl/test/e2e/stack"
)

// clusterPostgresProfile runs two replicas of everything on an external
// PostgreSQL (Debian's, started by the harness inside the node), with the
// DSNs in Secrets created before apply, as the production example expects.
const clusterPostgresProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: prod
  namespace: auth
spec:
  domain: dev.example.com
` + e2e.ClusterComponents + `  database:
    mode: external
    external:
      driver: postgres
      kratos: {name: kratos-postgres, key: dsn}
      hydra: {name: hydra-postgres, key: dsn}
  scaling:
    replicas: 2
`

// TestClusterApplyPostgresReplicas runs `authctl apply --wait` of a profile
// with two replicas and an external PostgreSQL: the migration Jobs
// complete and every Deployment has both replicas available.
func TestClusterApplyPostgresReplicas(t *testing.T) {
	stack.Require(t)
	st := e2e.ApplyProfileOnNodeAfter(t, func(n *cluster.Node) {
		dsns, err := n.StartPostgres("kratos", "hydra")
		if err != nil {
			t.Fatal(err)
		}
		// The Secrets exist before apply (policy: created outside authctl),
		// so the namespace does too.
		if _, err := n.Kubectl("create", "namespace", "auth"); err != nil {
			t.Fatal(err)
		}
		for _, db := range []string{"kratos", "hydra"} {
			if _, err := n.Kubectl("-n", "auth", "create", "secret", "generic", db+"-postgres", "--from-literal=dsn="+dsns[db]); err != nil {
				t.Fatal(err)
			}
		}
	}, clusterPostgresProfile, "prod", nil)
	out, _ := st.N.Kubectl("-n", "auth", "get", "deployments", "-o",
		`jsonpath={range .items[*]}{.metadata.name}={.status.availableReplicas}/{.spec.replicas}{"\n"}{end}`)
	for _, d := range []string{"prod-kratos=2/2", "prod-hydra=2/2", "prod-oathkeeper=2/2"} {
		if !strings.Contains(out, d) {
			t.Errorf("want %s, deployments:\n%s", d, out)
		}
	}
	jobs, _ := st.N.Kubectl("-n", "auth", "get", "jobs", "-o", `jsonpath={range .items[*]}{.metadata.name}={.status.succeeded}{"\n"}{end}`)
	if strings.Count(jobs, "=1") < 2 {
		t.Errorf("want the Kratos and Hydra migration Jobs complete:\n%s", jobs)
	}
}
