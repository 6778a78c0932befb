package doctor

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"syscall"
)

// endpoint is one API a health check probes: its URL and the Service and
// flag behind it, from which the fix is worked out.
type endpoint struct {
	label, url, service string
	port                int
	flag                string
}

// isLoopback reports a URL on this machine: a port-forward, as a rule.
func isLoopback(raw string) (port string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	h := u.Hostname()
	if h == "localhost" {
		return u.Port(), true
	}
	ip := net.ParseIP(h)
	return u.Port(), ip != nil && ip.IsLoopback()
}

// unreachableFix is the one-line fix for an endpoint that cannot be
// reached. A loopback URL is a port-forward that was already passed, so the
// fix restarts the forward instead of repeating the flag.
func (d *doctor) unreachableFix(e endpoint, err error) string {
	if local, ok := isLoopback(e.url); ok {
		if local == "" {
			local = strconv.Itoa(e.port)
		}
		cause := "nothing answers there"
		if errors.Is(err, syscall.ECONNREFUSED) {
			cause = "the connection was refused"
		}
		return fmt.Sprintf("is the port-forward running? (%s) restart it: %s port-forward svc/%s %s:%d, or let doctor forward it: --kubeconfig/--context", cause, d.kubectl(), e.service, local, e.port)
	}
	return fmt.Sprintf("%s port-forward svc/%s %d, then pass --%s http://127.0.0.1:%d/ (or give --kubeconfig/--context and doctor forwards every Service itself)", d.kubectl(), e.service, e.port, e.flag, e.port)
}

// kubectl is the start of a kubectl line in a fix: the user's kubeconfig
// and context, and the stack's namespace.
func (d *doctor) kubectl() string { return Kubectl(d.o.Kubeconfig, d.o.Context, d.w.Namespace) }

// Kubectl is the start of a kubectl line in a fix or hint: the kubeconfig
// and context the user gave, then the namespace; an empty one is left out.
func Kubectl(kubeconfig, context, namespace string) string {
	s := "kubectl"
	if kubeconfig != "" {
		s += " --kubeconfig " + kubeconfig
	}
	if context != "" {
		s += " --context " + context
	}
	if namespace != "" {
		s += " -n " + namespace
	}
	return s
}

// notReadyFix is the fix for an endpoint that answers but is not ready.
func (d *doctor) notReadyFix(e endpoint) string {
	return fmt.Sprintf("%s get pods; %s logs svc/%s", d.kubectl(), d.kubectl(), e.service)
}

// registerClientFix is the fix for a kubectl client Hydra lacks or has
// wrong: kubeconfig setup through the Hydra admin URL doctor used, or,
// when that was doctor's own port-forward (closed when it ends), through a
// forward the person starts and keeps.
func (d *doctor) registerClientFix() string {
	if d.o.Forwarded {
		// setup forwards Hydra's admin Service itself, as doctor did.
		fix := "authctl kubeconfig setup -f " + fileOf(d.o.Profile)
		if d.o.Kubeconfig != "" {
			fix += " --kubeconfig " + d.o.Kubeconfig
		}
		context := d.o.Context
		if context == "" {
			context = `"$(` + Kubectl(d.o.Kubeconfig, "", "") + ` config current-context)"`
		}
		return fix + " --admin-context " + context + " (registers the kubectl client through a port-forward of its own)"
	}
	return "authctl kubeconfig setup -f " + fileOf(d.o.Profile) + " --hydra-admin-url " + d.o.Endpoints.HydraAdmin + " (registers the kubectl client)"
}
