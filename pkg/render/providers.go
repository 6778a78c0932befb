package render

import "fmt"

// providerLabels are the names people know the social sign-in providers
// by. Kratos labels a provider's button with its id ("Sign in with
// google") unless its config has a label.
var providerLabels = map[string]string{
	"google": "Google", "github": "GitHub", "gitlab": "GitLab", "microsoft": "Microsoft",
	"auth0": "Auth0", "okta": "Okta", "apple": "Apple", "slack": "Slack",
}

// mapperJsonnet is the claims mapper for social sign-in. It takes the
// email only when the provider verified it, and then as a verified address;
// with a hosted domain it rejects accounts from any other Google Workspace.
func mapperJsonnet(provider, hostedDomain string) string {
	verified := "'email' in claims && claims.email_verified"
	if provider == "github" {
		// GitHub returns only verified primary addresses.
		verified = "'email' in claims"
	}
	src := "local claims = std.extVar('claims');\n"
	if hostedDomain != "" {
		src += fmt.Sprintf("assert 'hd' in claims && claims.hd == %q : 'Only %s accounts may sign in here.';\n", hostedDomain, hostedDomain)
	}
	// verified_addresses (Kratos' selfservice/strategy/oidc
	// VerifiedAddressesKey) marks the address verified at registration, so
	// the gateway forwards it and kubectl maps it, as for a colleague an
	// admin vouched for.
	src += `{
  identity: {
    traits: {
      [if ` + verified + ` then 'email' else null]: claims.email,
      [if 'name' in claims then 'name' else null]: claims.name,
    },
    [if ` + verified + ` then 'verified_addresses' else null]: [{ value: claims.email, via: 'email' }],
  },
}
`
	return base64Std(src)
}
