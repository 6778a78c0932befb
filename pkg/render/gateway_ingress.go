package render

import "fmt"

// ingressChunk is one Ingress object; the first also routes the stack's
// own hosts.
type ingressChunk struct {
	Name     string           `json:"name"`
	Own      bool             `json:"own"`
	Services []gatewayService `json:"services"`
}

// ingressChunkBytes bounds the estimated size of one Ingress.
var ingressChunkBytes = 600 << 10

// ingressChunks spreads the services over as few Ingresses as keep each
// under ingressChunkBytes (estimated from hosts and paths). The first keeps
// the stack's name and its own hosts, so a small stack renders one Ingress
// as before.
func ingressChunks(name string, services []gatewayService) []ingressChunk {
	var out []ingressChunk
	var cur []gatewayService
	size := 0
	flush := func() {
		n := name
		if len(out) > 0 {
			n = fmt.Sprintf("%s-%d", name, len(out)+1)
		}
		out = append(out, ingressChunk{Name: n, Own: len(out) == 0, Services: cur})
		cur, size = nil, 0
	}
	for _, s := range services {
		n := len(s.Hosts) * (64 + 192*len(s.Paths))
		if len(cur) > 0 && size+n > ingressChunkBytes {
			flush()
		}
		cur = append(cur, s)
		size += n
	}
	flush()
	return out
}

// ingressValues adds what only the ingress template reads: the Ingress
// objects and the services each routes.
func ingressValues(m *model, v *gatewayValues) error {
	v.Ingresses = ingressChunks(m.p.Metadata.Name, v.Services)
	return nil
}
