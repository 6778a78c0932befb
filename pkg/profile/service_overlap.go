package profile

import (
	"slices"
	"strings"
)

// overlapCandidates returns the pairs (i < j) of services that could match
// one request: they share a host and either shares a first path segment
// with the other or has a prefix ("/") that spans every segment. Indexing
// by host and segment keeps the lint near linear for real setups, where
// most services own their hosts or paths, instead of comparing every pair.
func overlapCandidates(services []Service) [][2]int {
	type key struct{ host, segment string }
	buckets := map[key][]int{}
	// wide[host] are the services with a prefix that covers the whole host.
	wide := map[string][]int{}
	hostSegments := map[string][]string{}
	for i, sv := range services {
		for _, h := range uniqueStrings(sv.Hosts) {
			for _, seg := range firstSegments(sv.Paths) {
				if seg == "" {
					wide[h] = append(wide[h], i)
					continue
				}
				k := key{h, seg}
				if len(buckets[k]) == 0 {
					hostSegments[h] = append(hostSegments[h], seg)
				}
				if l := buckets[k]; len(l) == 0 || l[len(l)-1] != i {
					buckets[k] = append(buckets[k], i)
				}
			}
		}
	}
	seen := map[[2]int]bool{}
	var out [][2]int
	addPair := func(i, j int) {
		if i == j {
			return
		}
		if i > j {
			i, j = j, i
		}
		if pr := [2]int{i, j}; !seen[pr] {
			seen[pr] = true
			out = append(out, pr)
		}
	}
	pairs := func(list []int) {
		for x := range list {
			for y := x + 1; y < len(list); y++ {
				addPair(list[x], list[y])
			}
		}
	}
	for _, list := range buckets {
		pairs(list)
	}
	for h, ws := range wide {
		pairs(ws)
		for _, seg := range hostSegments[h] {
			for _, i := range ws {
				for _, j := range buckets[key{h, seg}] {
					addPair(i, j)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}

// firstSegments returns the first path segment of each prefix, each once;
// "" stands for a prefix ("/") that covers every segment.
func firstSegments(paths []string) []string {
	var out []string
	for _, p := range paths {
		seg := strings.TrimPrefix(p, "/")
		// Prefixes match whole segments (pathCovers): "/api" never
		// covers "/api-v2", so the first segment is an exact key.
		if i := strings.IndexByte(seg, '/'); i >= 0 {
			seg = seg[:i]
		}
		if !slices.Contains(out, seg) {
			out = append(out, seg)
		}
	}
	return out
}

func uniqueStrings(list []string) []string {
	var out []string
	for _, x := range list {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func methodsOf(s Service) []string {
	if len(s.Methods) == 0 {
		return []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	}
	return s.Methods
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// pathCovers reports whether prefix p matches every path prefix q matches.
func pathCovers(p, q string) bool {
	p, q = strings.TrimSuffix(p, "/"), strings.TrimSuffix(q, "/")
	return p == "" || q == p || strings.HasPrefix(q, p+"/")
}

func overlaps(a, b Service) bool {
	return intersects(a.Hosts, b.Hosts) && intersects(methodsOf(a), methodsOf(b)) && pathsOverlap(a, b)
}

// pathsOverlap reports whether a path of a and a path of b share requests
// (one covers the other).
func pathsOverlap(a, b Service) bool {
	for _, pa := range a.Paths {
		for _, pb := range b.Paths {
			if pathCovers(pa, pb) || pathCovers(pb, pa) {
				return true
			}
		}
	}
	return false
}

// splitsMethods reports whether a and b serve the same paths of a host
// with different methods, one of them takes POST, and that one lets in
// someone the other does not: the body of a POST can name another method
// (_method), which the gateway cannot see.
func splitsMethods(a, b Service) bool {
	if !intersects(a.Hosts, b.Hosts) || intersects(methodsOf(a), methodsOf(b)) {
		return false
	}
	post, other := a, b
	switch {
	case slices.Contains(methodsOf(b), "POST"):
		post, other = b, a
	case !slices.Contains(methodsOf(a), "POST"):
		return false
	}
	return !narrower(post, other) && pathsOverlap(a, b)
}

// narrower reports whether everyone service a lets in is also let in by
// b: a's authenticators are among b's, a's required groups among b's (any
// one of them admits) or b requires none, and a asks at least b's scopes
// and audiences, and a asks a second factor when b does.
func narrower(a, b Service) bool {
	groups := len(b.RequiredGroups) == 0 || (len(a.RequiredGroups) > 0 && subset(a.RequiredGroups, b.RequiredGroups))
	mfa := b.MFA != MFARequired || a.MFA == MFARequired
	return subset(a.Allow, b.Allow) && groups && mfa && subset(b.RequiredScopes, a.RequiredScopes) && subset(b.Audience, a.Audience)
}

// firstOther is a method of the service that does not take POST.
func firstOther(a, b Service) string {
	if slices.Contains(methodsOf(a), "POST") {
		a = b
	}
	return methodsOf(a)[0]
}

// covers reports whether a matches every request b matches.
func covers(a, b Service) bool {
	if !subset(b.Hosts, a.Hosts) || !subset(methodsOf(b), methodsOf(a)) {
		return false
	}
	for _, pb := range b.Paths {
		ok := false
		for _, pa := range a.Paths {
			if pathCovers(pa, pb) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
