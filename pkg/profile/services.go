package profile

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// validateAudiences refuses a token audience that is a client id of the
// profile: Hydra puts the client id in the aud of every id_token it issues
// to that client, so the kubectl client's (or an SPA's) id_tokens would
// open the service. clientIDs are the kubectl client and the bootstrapped
// clients.
func (p *Profile) validateAudiences(clientIDs map[string]string) ErrorList {
	var errs ErrorList
	for i, sv := range p.Spec.Services {
		for j, a := range sv.Audience {
			if who, ok := clientIDs[a]; ok {
				errs = append(errs, p.Errorf(fmt.Sprintf("spec.services[%d].audience[%d]", i, j),
					"use an audience no client is named after, such as https://"+firstOr(sv.Hosts, sv.Name),
					"audience %q is the client id of %s: every id_token Hydra issues to that client carries it as aud and would open this service", a, who))
			}
		}
	}
	return errs
}

func firstOr(list []string, fallback string) string {
	if len(list) > 0 {
		return list[0]
	}
	return fallback
}

// validateServices checks the protected services and lints the access rules
// they become: Oathkeeper rejects a request that two rules match, so any
// overlap is an error, and a service whose every request another service
// also matches is unreachable.
func (p *Profile) validateServices(ctx context.Context) (ErrorList, error) {
	var errs ErrorList
	w := p.Wiring()
	add := func(path, hint, format string, args ...any) {
		errs = append(errs, p.Errorf(path, hint, format, args...))
	}
	s := &p.Spec
	names := map[string]int{}
	for i, sv := range s.Services {
		if i%1024 == 1023 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		path := fmt.Sprintf("spec.services[%d]", i)
		if !dnsLabel.MatchString(sv.Name) {
			add(path+".name", "use lower-case letters, digits and '-'", "invalid service name %q", sv.Name)
		} else if j, dup := names[sv.Name]; dup {
			add(path+".name", "service names must be unique", "name %q is already used by spec.services[%d]", sv.Name, j)
		}
		names[sv.Name] = i
		if len(sv.Hosts) == 0 {
			add(path+".hosts", "list the public host names of the service", "no hosts")
		}
		for j, h := range sv.Hosts {
			hp := fmt.Sprintf("%s.hosts[%d]", path, j)
			if !dnsName.MatchString(h) {
				add(hp, "use a DNS name", "invalid host %q", h)
				continue
			}
			for _, own := range []string{s.Hosts.Auth, s.Hosts.Kratos, s.Hosts.Hydra} {
				if h == own {
					add(hp, "the stack's own hosts are routed by authctl", "host %q belongs to the auth stack", h)
				}
			}
			if slices.Contains(sv.Allow, "session") && h != s.Domain && !strings.HasSuffix(h, "."+s.Domain) {
				add(hp, "the Kratos session cookie is scoped to "+s.Domain+"; use a host under it or another authenticator", "host %q is outside the cookie domain %q, so the session cookie never reaches it", h, s.Domain)
			}
		}
		for j, pp := range sv.Paths {
			if !strings.HasPrefix(pp, "/") || strings.ContainsAny(pp, "<>*?#") {
				add(fmt.Sprintf("%s.paths[%d]", path, j), "use a path prefix such as /api", "invalid path prefix %q", pp)
			}
		}
		u := sv.Upstream
		switch {
		case u.URL != "" && u.Service != "":
			add(path+".upstream", "set either url or service and port", "both url and service are set")
		case u.URL != "":
			if err := checkURL(u.URL, false); err != nil {
				add(path+".upstream.url", "use an absolute URL such as http://grafana.monitoring:3000", "bad URL %q: %v", u.URL, err)
			}
		case u.Service != "":
			if !dnsLabel.MatchString(u.Service) {
				add(path+".upstream.service", "use the name of a Service", "invalid Service name %q", u.Service)
			}
			if u.Port == 0 {
				add(path+".upstream.port", "set the Service port", "missing port")
			}
		default:
			add(path+".upstream", "set url, or service and port", "no upstream")
		}
		if field, what := upstreamIsInternal(w, sv.Upstream); field != "" {
			add(path+".upstream."+field, "the stack's admin and decision APIs are never published; point the service at your own upstream", "upstream is %s", what)
		}
		if len(sv.Allow) == 0 {
			add(path+".allow", "list who may pass: anonymous, session, bearer, jwt or oauth2_introspection", "no authenticators")
		}
		bearers := 0
		for _, a := range sv.Allow {
			if a == "bearer" || a == "jwt" || a == "oauth2_introspection" {
				bearers++
			}
		}
		if bearers > 1 {
			add(path+".allow", "bearer, jwt and oauth2_introspection all read the Authorization header and the first one rejects the others' tokens; keep one", "more than one bearer-token authenticator")
		}
		onlyAnonymous := len(sv.Allow) == 1 && sv.Allow[0] == "anonymous"
		if onlyAnonymous && len(sv.RequiredGroups) > 0 {
			add(path+".requiredGroups", "anonymous requests have no groups; add an authenticator", "required groups with anonymous access only")
		}
		if onlyAnonymous && sv.Forward.Mode != "passthrough" {
			add(path+".forward.mode", "anonymous requests have no identity to forward; use passthrough", "%s needs an authenticated subject", sv.Forward.Mode)
		}
		tokens := slices.Contains(sv.Allow, "jwt") || slices.Contains(sv.Allow, "oauth2_introspection")
		if (len(sv.RequiredScopes) > 0 || len(sv.Audience) > 0) && !tokens {
			add(path+".requiredScopes", "scopes and audience are checked by jwt or oauth2_introspection", "requiredScopes/audience without a token authenticator")
		}
		if tokens && len(sv.Audience) == 0 {
			add(path+".allow", "set audience: [https://"+firstOr(sv.Hosts, sv.Name)+"] (any name no client has) and let only the clients that may call it request that audience",
				"a token service without audience accepts every token Hydra signs: every engineer's kubectl id_token and every client's own token")
		}
		errs = append(errs, p.validateForwardHeaders(path, sv)...)
		if sv.Forward.Mode == "reissue" {
			if err := checkDuration(sv.Forward.TTL); err != nil {
				add(path+".forward.ttl", "use a Go duration such as 5m", "%v", err)
			}
		}
	}
	// Overlaps, between the services that share a host and a first path
	// segment (see overlapCandidates).
	for k, pair := range overlapCandidates(s.Services) {
		if k%4096 == 4095 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		i, j := pair[0], pair[1]
		a, b := s.Services[i], s.Services[j]
		if splitsMethods(a, b) {
			add(fmt.Sprintf("spec.services[%d].methods", j), "serve all methods of these paths from one service, or give the POST service the same or narrower allow, requiredGroups, requiredScopes and audience",
				"services %q and %q split the methods of the same paths, and the one that takes POST lets in people the other does not: a form field _method=%s (Rails, Laravel, Symfony) makes the upstream run the other's method with the POST's access",
				a.Name, b.Name, firstOther(a, b))
		}
		if !overlaps(a, b) {
			continue
		}
		switch {
		case covers(a, b) && covers(b, a):
			add(fmt.Sprintf("spec.services[%d]", j), "merge them or split their hosts, paths or methods", "service %q matches exactly the requests of %q, and Oathkeeper rejects requests that two rules match", b.Name, a.Name)
		case covers(b, a):
			add(fmt.Sprintf("spec.services[%d]", i), "remove it or narrow "+b.Name+"'s hosts, paths or methods", "service %q is unreachable: every request it matches is also matched by %q, and Oathkeeper rejects requests that two rules match", a.Name, b.Name)
		case covers(a, b):
			add(fmt.Sprintf("spec.services[%d]", j), "remove it or narrow "+a.Name+"'s hosts, paths or methods", "service %q is unreachable: every request it matches is also matched by %q, and Oathkeeper rejects requests that two rules match", b.Name, a.Name)
		default:
			add(fmt.Sprintf("spec.services[%d]", j), "split the hosts, paths or methods so each request matches one service", "service %q overlaps %q: Oathkeeper rejects requests that two rules match", b.Name, a.Name)
		}
	}
	g := s.Gateway
	row := LookupGatewayTarget(g.Target)
	if row.Check != nil {
		row.Check(p, add)
	}
	if row.NeedsIngressClass && g.IngressClassName == "" {
		add("spec.gateway.ingressClassName", "name the IngressClass, for example nginx", "the %s target needs an ingress class", g.Target)
	}
	if g.Target != "none" && len(s.Services) > 0 && !On(s.Components.Oathkeeper.Enabled) {
		add("spec.components.oathkeeper.enabled", "protected services are checked by Oathkeeper", "services need Oathkeeper")
	}
	return errs, nil
}
