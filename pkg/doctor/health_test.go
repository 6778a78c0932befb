package doctor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestReadyFakeNotReady: an API that answers but is not ready fails with
// the pods and logs to look at; a fake, since a real Kratos cannot be made
// unready on demand (the real ones pass in test/e2e/apply's doctor tests).
// A disabled component is skipped without a request.
func TestReadyFakeNotReady(t *testing.T) {
	p, err := profile.Load("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ready {
			http.Error(w, "database not ready\nmore", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	d := &doctor{o: Options{Profile: p, Endpoints: Endpoints{OathkeeperAPI: srv.URL}}, w: p.Wiring(), client: srv.Client()}
	if c := d.oathkeeperHealth(context.Background()); c.Status != Pass || c.Message != "Oathkeeper api ready" {
		t.Errorf("ready: %+v", c)
	}
	ready = false
	c := d.oathkeeperHealth(context.Background())
	if c.Status != Fail || !strings.HasSuffix(c.Message, "HTTP 503: database not ready") || !strings.Contains(c.Fix, "get pods") {
		t.Errorf("not ready: %+v", c)
	}
	if c := (&doctor{}).ready(context.Background(), "Hydra", false); c.Status != Skip {
		t.Errorf("disabled: %+v", c)
	}
}
