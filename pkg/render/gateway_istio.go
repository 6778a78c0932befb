package render

import (
	"github.com/authctl/authctl/pkg/profile"
)

// IstioExtensionProvider is the meshConfig snippet that registers Oathkeeper
// as an Istio CUSTOM authorization provider.
func IstioExtensionProvider(p *profile.Profile, rs *RuleSet) map[string]any {
	m := wired(p)
	m.rules = rs
	return istioExtensionProvider(m)
}

func istioExtensionProvider(m *model) map[string]any {
	p, w, rs := m.p, m.w, m.rules
	prov := map[string]any{
		"service":                      w.OathkeeperAPIHost,
		"port":                         profile.OathkeeperAPIPort,
		"pathPrefix":                   "/decisions",
		"timeout":                      decisionTimeout,
		"failOpen":                     false,
		"includeRequestHeadersInCheck": headersToOathkeeper,
		// The scheme the profile serves, not the client's header.
		"includeAdditionalHeadersInCheck": map[string]any{xForwardedProto: w.Scheme},
		"headersToDownstreamOnDeny":       headersToClientOnDeny,
	}
	if len(rs.UpstreamHeaders) > 0 {
		prov["headersToUpstreamOnAllow"] = rs.UpstreamHeaders
	}
	return map[string]any{"meshConfig": map[string]any{"extensionProviders": []any{map[string]any{
		"name": IstioProviderName(p), "envoyExtAuthzHttp": prov,
	}}}}
}

// IstioProviderName is the extension provider the AuthorizationPolicy names.
func IstioProviderName(p *profile.Profile) string { return p.Metadata.Name + "-oathkeeper" }

// istioHosts turns host names into AuthorizationPolicy hosts. Istio matches
// the Host header exactly (ignoring case, pilot/pkg/security/authz/matcher
// HostMatcher), stripping neither a port nor a trailing dot, so "h" alone
// would let "h:443", "h." and "h.:443" past the policy wherever a route
// serves them: each host also gets "h:*" (a prefix match on "h:"), "h."
// and "h.:*".
func istioHosts(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, h, h+":*", h+".", h+".:*")
	}
	return out
}

// istioValues adds what only the istio template reads: the hosts of its
// AuthorizationPolicies and the meshConfig snippet to merge.
func istioValues(m *model, v *gatewayValues) error {
	v.IstioHosts = istioHosts(protectedHosts(m.p))
	v.IstioOwnHosts = istioHosts(ownHosts(m))
	v.IstioProvider = IstioProviderName(m.p)
	snippet, err := marshalYAML(istioExtensionProvider(m))
	if err != nil {
		return err
	}
	v.IstioValues = "# Merge into the Istio installation (IstioOperator spec or istiod Helm values),\n" +
		"# then label the protected workloads' namespace for the AuthorizationPolicy.\n" + string(snippet)
	return nil
}
