package render

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// allowEntry is what the default deny needs to know of one service.
type allowEntry struct {
	hosts   []string
	pattern string
	methods []string
}

// denyChunkBytes bounds the service patterns one default-deny rule lists in
// its negative lookahead, so that a rule stays far below Kubernetes' 1 MiB
// object limit and the rules can be split over several ConfigMaps.
var denyChunkBytes = 256 << 10

// denyRules answer every (method, URL) pair of KnownMethods that no service
// allows, so Oathkeeper never says "no rule" for a known method.
//
// While the services' patterns fit in one rule, methods whose allowing
// services are the same share one rule whose URL is a catch-all with a
// negative lookahead over those services' patterns (Oathkeeper's regexp
// engine is regexp2), so no request matches two rules.
//
// With more services, the hosts are partitioned into chunks (services that
// share a host stay together): each chunk's rules match only URLs on its
// hosts, with a lookahead over its own services' patterns, and one more
// rule denies every URL on a host no service declares. Every URL has one
// host, so it still matches exactly one rule.
func denyRules(name string, allows []allowEntry) []Rule {
	total := 0
	for _, a := range allows {
		total += len(a.pattern) + 1
	}
	if total <= denyChunkBytes {
		return denyGroupRules(name+":default-deny", "", allows)
	}
	var out []Rule
	var hosts []string
	for i, chunk := range chunkByHost(allows, denyChunkBytes) {
		var chunkHosts []string
		for _, a := range chunk {
			for _, h := range a.hosts {
				if !slices.Contains(chunkHosts, h) {
					chunkHosts = append(chunkHosts, h)
				}
			}
		}
		hosts = append(hosts, chunkHosts...)
		out = append(out, denyGroupRules(fmt.Sprintf("%s:default-deny-%d", name, i+1), hostsOnly(chunkHosts), chunk)...)
	}
	out = append(out, Rule{
		ID:             name + ":default-deny-undeclared-hosts",
		Description:    "Denies every request for a host no service declares.",
		Match:          Match{URL: "<(?!" + hostPrefix(hosts) + "(?:/|$)).*>", Methods: KnownMethods},
		Authenticators: []Handler{{Handler: "unauthorized"}},
		Authorizer:     Handler{Handler: "deny"},
		Mutators:       []Handler{{Handler: "noop"}},
		Errors:         []Handler{{Handler: "json"}},
	})
	return out
}

// hostPrefix matches scheme://host[:port] for one of hosts, as URLPattern does.
func hostPrefix(hosts []string) string {
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = regexp.QuoteMeta(h)
	}
	return "https?://(?:" + strings.Join(quoted, "|") + ")(?::[0-9]+)?"
}

// hostsOnly is a lookahead that limits a rule to URLs on hosts.
func hostsOnly(hosts []string) string { return "(?=" + hostPrefix(hosts) + "(?:/|$))" }

// denyGroupRules are the deny rules of one set of services: one rule per
// group of methods whose allowing services are the same. scope (a
// lookahead, or "") limits them to the set's hosts.
func denyGroupRules(id, scope string, allows []allowEntry) []Rule {
	// allowing[m] are the URL patterns of the services that allow method m.
	allowing := map[string][]string{}
	for _, a := range allows {
		for _, m := range a.methods {
			allowing[m] = append(allowing[m], a.pattern)
		}
	}
	type group struct {
		patterns []string
		methods  []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, m := range KnownMethods {
		key := strings.Join(allowing[m], "\n")
		g, ok := byKey[key]
		if !ok {
			g = &group{patterns: allowing[m]}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.methods = append(g.methods, m)
	}
	var out []Rule
	for _, g := range groups {
		gid := id
		if !slices.Contains(g.methods, "GET") {
			gid += "-" + strings.ToLower(g.methods[0])
		}
		url := "<" + scope + ".*>"
		if len(g.patterns) > 0 {
			url = "<" + scope + "(?!(?:" + strings.Join(g.patterns, "|") + ")$).*>"
		}
		out = append(out, Rule{
			ID:             gid,
			Description:    "Denies " + strings.Join(g.methods, ", ") + " requests that no service allows.",
			Match:          Match{URL: url, Methods: g.methods},
			Authenticators: []Handler{{Handler: "unauthorized"}},
			Authorizer:     Handler{Handler: "deny"},
			Mutators:       []Handler{{Handler: "noop"}},
			Errors:         []Handler{{Handler: "json"}},
		})
	}
	return out
}
