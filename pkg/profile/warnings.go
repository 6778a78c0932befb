package profile

// warningNames name each warning by the field it is at: doctor's check
// names, stable for scripts reading doctor -o json.
var warningNames = map[string]string{
	"spec.kratos.courier":      "verified-emails",
	"spec.kratos.registration": "sso-registration",
}

// WarningName is the stable name of a warning of Warnings.
func WarningName(w *FieldError) string {
	if n, ok := warningNames[w.Path]; ok {
		return n
	}
	return "profile"
}

// Warnings are what a valid profile does that bites later, with no error
// anywhere when it does: each is located at the field to change, with what
// to do. validate prints them (and keeps exit code 0), doctor shows them as
// warnings.
func (p *Profile) Warnings() ErrorList {
	var warns ErrorList
	add := func(path, hint, format string, args ...any) {
		warns = append(warns, p.Errorf(path, hint, format, args...))
	}
	s := &p.Spec
	k := &s.Kratos
	if !On(s.Components.Kratos.Enabled) {
		return nil
	}
	// kube-apiserver maps a token's email to a user only when email_verified
	// is true (render's AuthenticationConfiguration, or the classic flags),
	// and the token hook says so only for an address Kratos verified.
	// Kratos verifies by mail; the SSO claims mapper does not vouch for
	// addresses. Bootstrap can (verifiable_addresses), so only people who
	// arrive on their own are stuck.
	kubectlByEmail := On(s.Kubernetes.Enabled) && On(s.Components.Hydra.Enabled) && s.Kubernetes.UsernameClaim == "email"
	arriveOnTheirOwn := On(k.Registration) || len(k.OIDCProviders) > 0
	if kubectlByEmail && arriveOnTheirOwn && k.Courier.SMTPURISecretRef == nil {
		add("spec.kratos.courier", "set spec.kratos.courier.smtpURISecretRef to the Secret holding an SMTP URI, so Kratos can send verification codes; or give each person a verified address through bootstrap (verifiable_addresses with verified: true)",
			"kubectl accepts only verified emails and there is no courier: people who register or sign in through SSO never get a verified address, so kube-apiserver refuses their tokens")
	}
	// Kratos sends an SSO login of an unknown person to registration.
	if !On(k.Registration) && len(k.OIDCProviders) > 0 {
		add("spec.kratos.registration", "set spec.kratos.registration: true (hostedDomain limits who may register), or create each person beforehand with their SSO subject (spec.bootstrap.identities, credentials.oidc)",
			"registration is off: new people cannot sign in through SSO, only identities that exist already")
	}
	return warns.sorted()
}
