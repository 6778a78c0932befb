package render

// providerLabels are the names people know the social sign-in providers
// by. Kratos labels a provider's button with its id ("Sign in with
// google") unless its config has a label.
var providerLabels = map[string]string{
	"google": "Google", "github": "GitHub", "gitlab": "GitLab", "microsoft": "Microsoft",
	"auth0": "Auth0", "okta": "Okta", "apple": "Apple", "slack": "Slack",
}
