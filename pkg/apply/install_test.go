package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/secrets"
)

// TestInstallClientDryRunIsOffline: the operation renders the release as
// helm template would, with no cluster connection at all.
func TestInstallClientDryRunIsOffline(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sf, err := secrets.Load("../render/testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Install{Profile: p, Secrets: sf, ChartVersion: "0.0.0-test", DryRun: "client"}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Manifest, "kind: Deployment") || res.Release != nil {
		t.Fatalf("want an offline manifest only, got release %v and manifest of %d bytes", res.Release, len(res.Manifest))
	}
	if _, err := (&Install{Profile: p, Secrets: sf, ChartVersion: "0.0.0-test"}).Run(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "no cluster connection") {
		t.Fatalf("an install without a cluster: got %v", err)
	}
}
