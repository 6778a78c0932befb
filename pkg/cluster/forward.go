package cluster

import (
	"context"
	"fmt"
	"io"
)

// Forwarder makes a Service port reachable on loopback and returns its URL.
type Forwarder interface {
	Forward(ctx context.Context, namespace, service string, port int) (localURL string, stop func(), err error)
}

// Target is one Service port to forward; Skip leaves it out (its
// component is off, or its URL was given).
type Target struct {
	Service string
	Port    int
	Skip    bool
}

// ForwardError is a failed port-forward, for callers that add a hint.
type ForwardError struct{ Err error }

func (e *ForwardError) Error() string { return e.Err.Error() }
func (e *ForwardError) Unwrap() error { return e.Err }

// Forward port-forwards each target not skipped, as `kubectl port-forward
// svc/NAME PORT` would, saying so on log, and returns the local URLs (""
// for a skipped target, in the order of targets) and the function that
// stops them all. It is the one port-forward loop of apply --bootstrap,
// doctor and kubeconfig setup; on an error nothing is left running.
func Forward(ctx context.Context, fwd Forwarder, log io.Writer, namespace string, targets []Target) ([]string, func(), error) {
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	urls := make([]string, len(targets))
	for i, t := range targets {
		if t.Skip {
			continue
		}
		u, stop, err := fwd.Forward(ctx, namespace, t.Service, t.Port)
		if err != nil {
			stopAll()
			return nil, nil, &ForwardError{Err: err}
		}
		stops = append(stops, stop)
		fmt.Fprintf(log, "forwarding %s to %s\n", t.Service, u)
		urls[i] = u
	}
	return urls, stopAll, nil
}

// StaticForwarder answers with fixed URLs keyed "namespace/service:port",
// for connections that already exist (tests, which run no kubelet, or
// forwards started elsewhere). Any other Service is an error.
type StaticForwarder map[string]string

// Forward returns the URL given for the Service, or an error.
func (f StaticForwarder) Forward(_ context.Context, namespace, service string, port int) (string, func(), error) {
	u, ok := f[fmt.Sprintf("%s/%s:%d", namespace, service, port)]
	if !ok {
		return "", nil, fmt.Errorf("no forward for %s/%s:%d", namespace, service, port)
	}
	return u, func() {}, nil
}
