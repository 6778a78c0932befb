package doctor

import (
	"context"
	"io"
	"testing"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/profile"
)

// A URL given wins over a forward, a forward over the profile's default;
// only the APIs without a given URL are forwarded.
func TestResolveEndpointsThroughForwards(t *testing.T) {
	p, err := profile.Parse("profile.yaml", t.TempDir(), []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev, namespace: auth}\nspec: {domain: example.com}\n"))
	if err != nil {
		t.Fatal(err)
	}
	given := Endpoints{HydraAdmin: "http://given:4445"}
	fwd := cluster.StaticForwarder{
		"auth/dev-kratos-public:4433": "http://fwd:1", "auth/dev-kratos-admin:4434": "http://fwd:2",
		"auth/dev-hydra-public:4444": "http://fwd:3", "auth/dev-oathkeeper-api:4456": "http://fwd:5",
	}
	forwarded, stop, err := Forward(context.Background(), fwd, io.Discard, p, given)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if forwarded.HydraAdmin != "" || forwarded.KratosAdmin != "http://fwd:2" {
		t.Errorf("forwarded %+v", forwarded)
	}
	got := ResolveEndpoints(p.Wiring(), given, forwarded)
	want := Endpoints{KratosPublic: "http://fwd:1", KratosAdmin: "http://fwd:2", HydraPublic: "http://fwd:3", HydraAdmin: "http://given:4445", OathkeeperAPI: "http://fwd:5"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := ResolveEndpoints(p.Wiring(), given, Endpoints{}); got.KratosAdmin != DefaultEndpoints(p.Wiring()).KratosAdmin || got.HydraAdmin != "http://given:4445" {
		t.Errorf("without forwards: %+v", got)
	}
}
