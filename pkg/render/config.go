package render

import (
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// Paths inside the containers where configuration is mounted.
const (
	kratosConfigDir     = "/etc/config/kratos"
	kratosSchemaDir     = "/etc/config/kratos/schemas"
	hydraConfigDir      = "/etc/config/hydra"
	oathkeeperConfigDir = "/etc/config/oathkeeper"
	oathkeeperRulesDir  = "/etc/rules/oathkeeper"
	oathkeeperKeysDir   = "/etc/secrets/oathkeeper"
	sqliteDir           = "/var/lib/sqlite"
)

// KratosConfig builds the Kratos configuration file. Secret values (DSN,
// secrets, SMTP URI, OIDC client secrets) are not part of it: they reach the
// container through environment variables taken from Secrets.
func KratosConfig(p *profile.Profile) map[string]any { return kratosConfig(wired(p)) }

func kratosConfig(m *model) map[string]any {
	p, w := m.p, m.w
	k := p.Spec.Kratos
	uiOrigin := w.UIURL
	allowed := []string{uiOrigin + "/"}
	allowed = append(allowed, k.AllowedReturnURLs...)
	for _, u := range w.ProtectedReturnURLs {
		if !slices.Contains(allowed, u) {
			allowed = append(allowed, u)
		}
	}
	methods := map[string]any{}
	for _, m := range k.Methods {
		switch m {
		case "password":
			methods["password"] = map[string]any{"enabled": true, "config": map[string]any{"haveibeenpwned_enabled": false, "identifier_similarity_check_enabled": true}}
		case "totp":
			methods["totp"] = map[string]any{"enabled": true, "config": map[string]any{"issuer": p.Spec.Domain}}
		case "webauthn":
			methods["webauthn"] = map[string]any{"enabled": true, "config": map[string]any{
				"passwordless": profile.On(k.WebAuthn.Passwordless),
				"rp":           map[string]any{"id": p.Spec.Domain, "display_name": p.Spec.Domain, "origins": []string{uiOrigin}},
			}}
		case "passkey":
			methods["passkey"] = map[string]any{"enabled": true, "config": map[string]any{
				"rp": map[string]any{"id": p.Spec.Domain, "display_name": p.Spec.Domain, "origins": []string{uiOrigin}},
			}}
		case "code":
			methods["code"] = map[string]any{"enabled": true}
		case "lookup_secret":
			methods["lookup_secret"] = map[string]any{"enabled": true}
		case "oidc":
			// Providers come from SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS,
			// because each one carries a client secret.
			methods["oidc"] = map[string]any{"enabled": true}
		}
	}
	smtp := k.Courier.SMTPURISecretRef != nil
	// Recovery and verification send mail, so they need the courier's SMTP.
	if smtp && !slices.Contains(k.Methods, "code") {
		methods["code"] = map[string]any{"enabled": true}
	}
	if !slices.Contains(k.Methods, "password") {
		methods["password"] = map[string]any{"enabled": false}
	}
	afterRegistration := map[string]any{}
	for _, m := range []string{"password", "oidc", "webauthn", "passkey"} {
		if slices.Contains(k.Methods, m) {
			afterRegistration[m] = map[string]any{"hooks": []any{map[string]any{"hook": "session"}}}
		}
	}
	registration := map[string]any{"enabled": profile.On(k.Registration), "ui_url": w.RegistrationURL, "lifespan": "10m"}
	if len(afterRegistration) > 0 {
		registration["after"] = afterRegistration
	}
	schemas := []any{}
	defaultSchema := "default"
	for i, s := range m.schemaFiles() {
		if i == 0 {
			defaultSchema = s.ID
		}
		schemas = append(schemas, map[string]any{"id": s.ID, "url": "file://" + kratosSchemaDir + "/" + s.FileName})
	}
	cfg := map[string]any{
		"version": profile.KratosVersion,
		"serve": map[string]any{
			"public": map[string]any{
				"base_url": w.KratosPublicURL,
				"cors": map[string]any{
					"enabled":           true,
					"allowed_origins":   []string{uiOrigin},
					"allowed_methods":   []string{"POST", "GET", "PUT", "PATCH", "DELETE"},
					"allowed_headers":   []string{"Authorization", "Cookie", "Content-Type", "X-Session-Token"},
					"exposed_headers":   []string{"Content-Type", "Set-Cookie"},
					"allow_credentials": true,
				},
			},
			"admin": map[string]any{"base_url": w.KratosAdminInternalURL + "/"},
		},
		"selfservice": map[string]any{
			"default_browser_return_url": uiOrigin + "/",
			"allowed_return_urls":        allowed,
			"methods":                    methods,
			"flows": map[string]any{
				"error":        map[string]any{"ui_url": w.ErrorURL},
				"settings":     map[string]any{"ui_url": w.SettingsURL, "privileged_session_max_age": "15m", "required_aal": "highest_available"},
				"recovery":     map[string]any{"enabled": smtp, "ui_url": w.RecoveryURL, "use": "code"},
				"verification": map[string]any{"enabled": smtp, "ui_url": w.VerificationURL, "use": "code", "after": map[string]any{"default_browser_return_url": uiOrigin + "/"}},
				"logout":       map[string]any{"after": map[string]any{"default_browser_return_url": w.LoginURL}},
				"login":        map[string]any{"ui_url": w.LoginURL, "lifespan": "10m"},
				"registration": registration,
			},
		},
		"session": map[string]any{
			"lifespan": k.SessionLifespan,
			"cookie":   map[string]any{"domain": w.CookieDomain, "same_site": "Lax", "persistent": true},
		},
		"cookies": map[string]any{"domain": w.CookieDomain, "path": "/", "same_site": "Lax"},
		"log":     map[string]any{"level": "info", "format": "json", "leak_sensitive_values": false},
		"identity": map[string]any{
			"default_schema_id": defaultSchema,
			"schemas":           schemas,
		},
		"courier": map[string]any{
			"smtp": map[string]any{"from_address": k.Courier.From, "from_name": p.Spec.Domain},
		},
		"hashers": map[string]any{"algorithm": "bcrypt", "bcrypt": map[string]any{"cost": 12}},
		"ciphers": map[string]any{"algorithm": "xchacha20-poly1305"},
	}
	if profile.On(p.Spec.Components.Hydra.Enabled) {
		cfg["oauth2_provider"] = map[string]any{"url": w.HydraAdminInternalURL}
	}
	return cfg
}

// HydraConfig builds the Hydra configuration file. The DSN and secrets come
// from environment variables taken from Secrets.
func HydraConfig(p *profile.Profile) map[string]any { return hydraConfig(wired(p)) }

func hydraConfig(m *model) map[string]any {
	p, w := m.p, m.w
	h := p.Spec.Hydra
	urls := map[string]any{
		"self": map[string]any{"issuer": w.IssuerURL, "public": w.IssuerURL},
	}
	// The login UI lives at the UI host whether authctl runs it or the team
	// brings its own (ui.enabled: false): Kratos' flows point there too.
	// Without these Hydra would send logins to its built-in fallback page.
	if profile.On(p.Spec.Components.UI.Enabled) || profile.On(p.Spec.Components.Kratos.Enabled) {
		urls["login"] = w.LoginURL
		urls["registration"] = w.RegistrationURL
		urls["consent"] = w.ConsentURL
		urls["logout"] = w.LogoutURL
		urls["error"] = w.ErrorURL
		urls["post_logout_redirect"] = w.LoginURL
	}
	if profile.On(p.Spec.Components.Kratos.Enabled) {
		// Hydra's Kratos client adds /admin/sessions/{id} itself: the base
		// URL has no /admin (with it, logout's session revocation got 404).
		urls["identity_provider"] = map[string]any{"url": w.KratosAdminInternalURL, "publicUrl": strings.TrimSuffix(w.KratosPublicURL, "/")}
	}
	cors := map[string]any{"enabled": false}
	if len(w.HydraCORSOrigins) > 0 {
		// A single-page app exchanges its code and refreshes from the
		// browser; it sends no cookies to these endpoints.
		cors = map[string]any{
			"enabled":           true,
			"allowed_origins":   w.HydraCORSOrigins,
			"allowed_methods":   []string{"GET", "POST"},
			"allowed_headers":   []string{"Authorization", "Content-Type"},
			"exposed_headers":   []string{"Content-Type"},
			"allow_credentials": false,
			"max_age":           600,
		}
	}
	cfg := map[string]any{
		"serve": map[string]any{
			"public": map[string]any{"port": profile.HydraPublicPort, "cors": cors},
			"admin":  map[string]any{"port": profile.HydraAdminPort},
			// No domain: Hydra's login-session and CSRF cookies stay
			// host-only on Hydra's own host. With spec.domain the browser
			// sent them to every upstream under it.
			"cookies": map[string]any{
				"same_site_mode": "Lax",
				"secure":         w.Scheme == "https",
			},
		},
		"urls":       urls,
		"strategies": map[string]any{"access_token": h.AccessTokenStrategy, "scope": "wildcard"},
		"ttl": map[string]any{
			"access_token":  h.Lifespans.AccessToken,
			"id_token":      h.Lifespans.IDToken,
			"refresh_token": h.Lifespans.RefreshToken,
			"auth_code":     h.Lifespans.AuthCode,
		},
		"oauth2": map[string]any{
			"expose_internal_errors": false,
			"pkce":                   map[string]any{"enforced_for_public_clients": true},
		},
		"oidc": map[string]any{
			"subject_identifiers": map[string]any{"supported_types": []string{"public"}},
		},
		"log": map[string]any{"level": "info", "format": "json", "leak_sensitive_values": false},
	}
	addTokenHook(m, cfg)
	return cfg
}

// OathkeeperConfig builds the Oathkeeper configuration for a rule set.
// Only the handlers the rules use are enabled.
func OathkeeperConfig(p *profile.Profile, rs *RuleSet) map[string]any {
	var repositories []string
	for _, f := range rs.Files {
		repositories = append(repositories, "file://"+oathkeeperRulesDir+"/"+f.Path)
	}
	return map[string]any{
		"serve": map[string]any{
			"proxy":      map[string]any{"port": profile.OathkeeperProxyPort},
			"api":        map[string]any{"port": profile.OathkeeperAPIPort},
			"prometheus": map[string]any{"port": profile.OathkeeperMetricPort},
		},
		"access_rules": map[string]any{
			"matching_strategy": "regexp",
			"repositories":      repositories,
		},
		"authenticators": rs.Handlers.Authenticators,
		"authorizers":    rs.Handlers.Authorizers,
		"mutators":       rs.Handlers.Mutators,
		"errors":         rs.Handlers.Errors,
		"log":            map[string]any{"level": "info", "format": "json", "leak_sensitive_values": false},
	}
}
