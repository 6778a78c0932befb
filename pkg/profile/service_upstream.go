package profile

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// internalPorts are the ports of the stack's internal APIs.
var internalPorts = map[int]string{KratosAdminPort: "the Kratos admin port", HydraAdminPort: "the Hydra admin port", OathkeeperAPIPort: "Oathkeeper's API port",
	OathkeeperProxyPort: "Oathkeeper's proxy port", AuthzPort: "the group-check port", TokenHookPort: "the token hook's port"}

// upstreamIsInternal reports whether an upstream is one of the stack's own
// internal APIs (Kratos or Hydra admin, Oathkeeper's decision API or proxy,
// the authz and token-hook servers), which must never be published. It
// returns the offending field and a description, or "".
func upstreamIsInternal(w Wiring, u Upstream) (field, what string) {
	internal := map[string]string{
		w.KratosAdminService:     "the Kratos admin API",
		w.HydraAdminService:      "the Hydra admin API",
		w.OathkeeperAPIService:   "Oathkeeper's decision API",
		w.OathkeeperProxyService: "Oathkeeper's proxy (a loop)",
		w.AuthzService:           "authctl's group-check server",
		w.TokenHookService:       "authctl's token hook",
	}
	adminPorts := map[int]string{KratosAdminPort: "the Kratos admin port", HydraAdminPort: "the Hydra admin port", OathkeeperAPIPort: "Oathkeeper's API port", AuthzPort: "the group-check port"}
	ours := func(service string) bool { return strings.HasPrefix(service, w.Name+"-") }
	switch {
	case u.Service != "":
		if u.Namespace == "" || u.Namespace == w.Namespace {
			if d, ok := internal[u.Service]; ok {
				return "service", d
			}
			if d, ok := adminPorts[u.Port]; ok && ours(u.Service) {
				return "port", d + " of the stack's Service " + u.Service
			}
		}
		if d, ok := internalPorts[u.Port]; ok {
			return "port", d + aliasNote
		}
	case u.URL != "":
		pu, err := url.Parse(u.URL)
		if err != nil {
			return "", ""
		}
		host := strings.ToLower(strings.TrimSuffix(pu.Hostname(), "."))
		port, _ := strconv.Atoi(pu.Port())
		if ip := net.ParseIP(host); ip != nil {
			// A ClusterIP or pod IP: which Service it belongs to is not in
			// the profile, so an admin or decision port is refused.
			if d, ok := internalPorts[port]; ok {
				return "url", "an IP address on " + d + ", which may be the stack's own"
			}
			return "", ""
		}
		service, rest, _ := strings.Cut(host, ".")
		// NAME, NAME.NS, NAME.NS.svc and NAME.NS.svc.<any cluster domain>.
		if rest == "" || rest == w.Namespace || rest == w.Namespace+".svc" || strings.HasPrefix(rest, w.Namespace+".svc.") {
			if d, ok := internal[service]; ok {
				return "url", d
			}
			if d, ok := adminPorts[port]; ok && ours(service) {
				return "url", d + " of the stack's Service " + service
			}
		}
		if d, ok := internalPorts[port]; ok {
			return "url", d + aliasNote
		}
	}
	return "", ""
}

// aliasNote says why any host on an internal port is refused: a Service of
// type ExternalName (or any DNS name) can be a second name of the stack's
// own Service, and a CNAME keeps the port, so the port is what the profile
// can see.
const aliasNote = ", which any name (an ExternalName Service, a DNS alias) may lead to the stack's own Service on; serve that upstream on another port"
