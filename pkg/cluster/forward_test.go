package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// countingForwarder is a StaticForwarder that counts the forwards still
// running, to show that a failure stops the ones already started.
type countingForwarder struct {
	StaticForwarder
	running *int
}

func (f countingForwarder) Forward(ctx context.Context, ns, svc string, port int) (string, func(), error) {
	u, _, err := f.StaticForwarder.Forward(ctx, ns, svc, port)
	if err != nil {
		return "", nil, err
	}
	*f.running++
	return u, func() { *f.running-- }, nil
}

func TestForward(t *testing.T) {
	running := 0
	fwd := countingForwarder{StaticForwarder{"auth/a:1": "http://127.0.0.1:1001", "auth/c:3": "http://127.0.0.1:1003"}, &running}
	var log strings.Builder
	urls, stop, err := Forward(context.Background(), fwd, &log, "auth", []Target{{Service: "a", Port: 1}, {Service: "b", Port: 2, Skip: true}, {Service: "c", Port: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(urls) != "[http://127.0.0.1:1001  http://127.0.0.1:1003]" || running != 2 {
		t.Fatalf("urls %q, running %d", urls, running)
	}
	if log.String() != "forwarding a to http://127.0.0.1:1001\nforwarding c to http://127.0.0.1:1003\n" {
		t.Errorf("log %q", log.String())
	}
	stop()
	if running != 0 {
		t.Errorf("%d still running after stop", running)
	}

	// A failure stops what was started and is a ForwardError.
	_, _, err = Forward(context.Background(), fwd, &log, "auth", []Target{{Service: "a", Port: 1}, {Service: "missing", Port: 9}})
	var fe *ForwardError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "no forward for auth/missing:9") || running != 0 {
		t.Fatalf("err %v, running %d", err, running)
	}
}
