package doctor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// The discovery document is the explicit input of the checks that read
// it: without one, jwks is skipped without a request (the doctor here has
// no HTTP client), and a document without an issuer (a fake: a real Hydra
// always names one) fails discovery and leaves nothing for the others.
func TestDiscoveryIsTheChecksInput(t *testing.T) {
	if c := (&doctor{}).jwks(context.Background(), discovery{}); c.Status != Skip {
		t.Errorf("jwks without discovery: %+v", c)
	}
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"jwks_uri":"http://example.com/.well-known/jwks.json"}`))
	}))
	defer srv.Close()
	d := &doctor{o: Options{Profile: p, Endpoints: Endpoints{HydraPublic: srv.URL}}, w: p.Wiring(), client: srv.Client()}
	disc := d.discover(context.Background())
	if disc.check.Status != Fail || !strings.Contains(disc.check.Message, "not an OpenID discovery document") || disc.JWKSURI != "" {
		t.Errorf("discovery %+v", disc)
	}
}
