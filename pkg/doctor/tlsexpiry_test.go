package doctor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The certificate of an https endpoint is read even though it is not
// trusted (expiry is judged here, trust by the other checks); a stack
// without https has nothing to judge.
func TestTLSExpiryReadsUntrustedCertificates(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	o := Options{Endpoints: Endpoints{KratosPublic: srv.URL, HydraPublic: "http://127.0.0.1:1/"}, Timeout: time.Second,
		Now: time.Now, TLSFailWithin: 7 * 24 * time.Hour, TLSWarnWithin: 21 * 24 * time.Hour}
	d := &doctor{o: o}
	host := strings.TrimPrefix(srv.URL, "https://")
	if c := d.tlsExpiry(context.Background()); c.Status != Pass || !strings.HasPrefix(c.Message, host) {
		t.Errorf("%+v", c)
	}
	d.o.Endpoints = Endpoints{KratosPublic: "http://127.0.0.1:1/"}
	if c := d.tlsExpiry(context.Background()); c.Status != Skip {
		t.Errorf("no https: %+v", c)
	}
}
