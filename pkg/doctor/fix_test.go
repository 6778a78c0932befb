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

// TestFixesKeepTheUsersFlags: every kubectl line of a fix carries the
// --kubeconfig and --context the user gave, and the kubectl client's fix
// never names the port-forward doctor opened itself (it is closed by the
// time the person reads it): setup forwards through the same context.
func TestFixesKeepTheUsersFlags(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w := p.Wiring()
	ephemeral := "http://127.0.0.1:45457/"
	d := &doctor{w: w, o: Options{Profile: p, Endpoints: Endpoints{HydraAdmin: ephemeral}, Kubeconfig: "/k/config", Context: "kind-dev", Forwarded: true}}
	fix := d.registerClientFix()
	want := "authctl kubeconfig setup -f ../../examples/minimal.yaml --kubeconfig /k/config --admin-context kind-dev "
	if !strings.HasPrefix(fix, want) || strings.Contains(fix, ephemeral) {
		t.Errorf("fix %q\nwant prefix %q and no %s", fix, want, ephemeral)
	}
	d.o.Forwarded = false
	if fix := d.registerClientFix(); !strings.Contains(fix, "--hydra-admin-url "+ephemeral) {
		t.Errorf("a URL the user gave is kept: %q", fix)
	}
	for _, fix := range []string{
		d.notReadyFix(endpoint{"admin", "", w.KratosAdminService, profile.KratosAdminPort, "kratos-admin-url"}),
		d.unreachableFix(endpoint{"admin", w.KratosAdminInternalURL, w.KratosAdminService, profile.KratosAdminPort, "kratos-admin-url"}, nil),
		d.unreachableFix(endpoint{"admin", ephemeral, w.KratosAdminService, profile.KratosAdminPort, "kratos-admin-url"}, nil),
	} {
		if !strings.Contains(fix, "kubectl --kubeconfig /k/config --context kind-dev -n "+w.Namespace+" ") {
			t.Errorf("fix without the user's kubeconfig and context: %q", fix)
		}
	}
}
