package doctor

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/profile"
)

// Diagnose checks through the forwards of the APIs without a given URL,
// marks them as its own (no fix names them), and stops before any check
// when a forward cannot be opened.
func TestDiagnoseThroughForwards(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://127.0.0.1:1"
	w := p.Wiring()
	fwd := cluster.StaticForwarder{}
	for _, s := range []struct {
		svc  string
		port int
	}{{w.KratosPublicService, profile.KratosPublicPort}, {w.KratosAdminService, profile.KratosAdminPort}, {w.HydraPublicService, profile.HydraPublicPort}, {w.HydraAdminService, profile.HydraAdminPort}} {
		fwd[w.Namespace+"/"+s.svc+":"+strconv.Itoa(s.port)] = closed
	}
	var log strings.Builder
	g := Diagnose{Options: Options{Profile: p, Timeout: time.Second, Endpoints: Endpoints{OathkeeperAPI: closed}}, Forwarder: fwd, Log: &log}
	rep, err := g.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "forwarding "+w.HydraAdminService+" to "+closed) || strings.Contains(log.String(), w.OathkeeperAPIService) {
		t.Errorf("forwards:\n%s", log.String())
	}
	for _, c := range rep.Checks {
		if c.Name == "kubectl-redirect-uris" && strings.Contains(c.Fix, closed) {
			t.Errorf("a fix names doctor's own forward: %+v", c)
		}
		if c.Name == "hydra-health" && !strings.Contains(c.Message, "127.0.0.1:1") {
			t.Errorf("hydra-health did not go through the forward: %+v", c)
		}
	}
	g.Forwarder = cluster.StaticForwarder{}
	if _, err := g.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no forward for") {
		t.Errorf("missing forward: %v", err)
	}
}
