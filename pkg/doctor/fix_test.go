package doctor

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestUnreachableFix: a refused loopback URL is a port-forward that is not
// running, and the fix says so instead of repeating the flag; a URL that is
// not loopback gets the forward to start, the flag, and --kubeconfig.
func TestUnreachableFix(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	w := p.Wiring()
	r := Run(context.Background(), Options{Profile: p, Endpoints: Endpoints{
		KratosPublic: closed, KratosAdmin: closed, HydraPublic: closed, HydraAdmin: closed, OathkeeperAPI: closed,
	}})
	for _, c := range r.Checks {
		if c.Name != "kratos-health" {
			continue
		}
		want := "is the port-forward running? (the connection was refused) restart it: kubectl -n " + w.Namespace + " port-forward svc/" + w.KratosPublicService + " " + port + ":4433"
		if c.Status != Fail || !strings.HasPrefix(c.Fix, want) || strings.Contains(c.Fix, "--kratos-public-url") {
			t.Errorf("fix %q\nwant prefix %q", c.Fix, want)
		}
	}
	d := &doctor{w: w}
	fix := d.unreachableFix(endpoint{"admin", w.KratosAdminInternalURL, w.KratosAdminService, profile.KratosAdminPort, "kratos-admin-url"}, nil)
	if !strings.Contains(fix, "then pass --kratos-admin-url http://127.0.0.1:4434/") || !strings.Contains(fix, "--kubeconfig") {
		t.Errorf("in-cluster URL fix %q", fix)
	}
}
