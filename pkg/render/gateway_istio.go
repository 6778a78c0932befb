package render

import (
	"github.com/authctl/authctl/pkg/profile"
)

// IstioExtensionProvider is the meshConfig snippet that registers Oathkeeper
// as an Istio CUSTOM authorization provider.
func IstioExtensionProvider(p *profile.Profile, rs *RuleSet) map[string]any {
	w := p.Wiring()
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
func istioValues(p *profile.Profile, rs *RuleSet, v *gatewayValues) error {
	v.IstioHosts = istioHosts(protectedHosts(p))
	v.IstioOwnHosts = istioHosts(ownHosts(p))
	v.IstioProvider = IstioProviderName(p)
	snippet, err := marshalYAML(IstioExtensionProvider(p, rs))
	if err != nil {
		return err
	}
	v.IstioValues = "# Merge into the Istio installation (IstioOperator spec or istiod Helm values),\n" +
		"# then label the protected workloads' namespace for the AuthorizationPolicy.\n" + string(snippet)
	return nil
}
