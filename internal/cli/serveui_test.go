package cli

import "testing"

func TestServeUIFlags(t *testing.T) {
	secret := map[string]string{"CSRF_COOKIE_SECRET": "a-csrf-secret-of-32-characters!!"}
	defaults := ServeUIOptions{
		Listen: ":3000", CSRFCookieName: "authctl_ui_csrf", EmailField: "traits.email",
		GroupsField: "metadata_public.groups", GroupsScope: "groups", CSRFSecret: secret["CSRF_COOKIE_SECRET"],
	}
	full := defaults
	full.KratosPublicURL, full.KratosBrowserURL = "http://kratos:4433", "https://id.example.com/"
	withAll := full
	withAll.HydraAdminURL, withAll.KratosAdminURL = "http://hydra:4445", "http://kratos:4434"
	withAll.FirstPartyClients = []string{"kubectl", "grafana"}
	withAll.Registration, withAll.ProductName, withAll.CSRFCookieName = true, "Example", "__Host-dev_csrf"
	runFlagCases(t, newServeUICommand, []flagCase[ServeUIOptions]{
		{args: []string{"--kratos-public-url", "http://kratos:4433", "--kratos-browser-url", "https://id.example.com/"}, env: secret, want: full},
		{args: []string{"--kratos-public-url", "http://kratos:4433", "--kratos-browser-url", "https://id.example.com/",
			"--hydra-admin-url", "http://hydra:4445", "--kratos-admin-url", "http://kratos:4434",
			"--first-party-client", "kubectl", "--first-party-client", "grafana", "--registration",
			"--product-name", "Example", "--csrf-cookie-name", "__Host-dev_csrf"}, env: secret, want: withAll},
		{args: []string{"--kratos-browser-url", "https://id.example.com/"}, env: secret, wantErr: "--kratos-public-url"},
		{args: []string{"--kratos-public-url", "http://kratos:4433"}, env: secret, wantErr: "--kratos-browser-url"},
		{args: []string{"--kratos-public-url", "http://kratos:4433", "--kratos-browser-url", "https://id.example.com/"},
			env: map[string]string{"CSRF_COOKIE_SECRET": "short"}, wantErr: "CSRF_COOKIE_SECRET must hold"},
	})
}
