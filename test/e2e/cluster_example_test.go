//go:build cluster

package e2e

import (
	"os"
	"strings"
	"testing"
)

// TestClusterExampleIsTheTestedProfile: examples/local-cluster.yaml, the
// profile docs/quickstart.md gives for hack/cluster.sh, is the one the
// TestCluster… tests apply (ClusterProfile), comments aside.
func TestClusterExampleIsTheTestedProfile(t *testing.T) {
	data, err := os.ReadFile(InRepo("examples/local-cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			kept = append(kept, line)
		}
	}
	if got := strings.Join(kept, ""); got != ClusterProfile {
		t.Errorf("examples/local-cluster.yaml is not ClusterProfile:\n%s\nwant:\n%s", got, ClusterProfile)
	}
}
