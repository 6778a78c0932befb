package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MFARequired is the value of services[].mfa that asks for a second factor.
const MFARequired = "required"

// SecondFactors are the Kratos methods of the profile that count as a
// second factor, as Kratos names them in a session's authentication
// methods and in the amr it hands Hydra: totp, lookup_secret, and webauthn
// unless webauthn is passwordless (then it is a first factor, aal1). A
// passkey is a first factor in Kratos (aal1), and so is code.
func SecondFactors(k Kratos) []string {
	var out []string
	for _, m := range []string{"totp", "lookup_secret", "webauthn"} {
		if !slices.Contains(k.Methods, m) || (m == "webauthn" && On(k.WebAuthn.Passwordless)) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// validateMFA checks that what services[].mfa and
// spec.kubernetes.requireMFA ask for can happen: a second-factor method
// people can enrol, session authenticators (the assurance level is the
// Kratos session's), structured authentication on the API server.
func (p *Profile) validateMFA() ErrorList {
	var errs ErrorList
	s := &p.Spec
	enrol := "add totp (and lookup_secret for backup codes) to spec.kratos.methods, or webauthn without passwordless"
	needsFactor := ""
	for i, sv := range s.Services {
		if sv.MFA != MFARequired {
			continue
		}
		path := fmt.Sprintf("spec.services[%d]", i)
		needsFactor = path + ".mfa"
		if len(sv.RequiredGroups) > 0 && s.UI.Implementation != "builtin" && sv.OnFailure == "redirect" {
			errs = append(errs, p.Errorf(path+".mfa", "use the built-in UI (spec.ui.implementation: builtin), or put requiredGroups and mfa on separate services",
				"with Ory's UI a refused browser goes to Kratos' second-factor login, which sends a person already at aal2 but outside requiredGroups straight back: a loop (the built-in UI's step-up page tells the two apart)"))
		}
		for _, a := range sv.Allow {
			if a != "session" && a != "bearer" {
				errs = append(errs, p.Errorf(path+".allow", "allow only session and bearer on a service with mfa: required, or drop mfa",
					"%s requests carry no Kratos assurance level, so mfa: required cannot be checked for them", a))
			}
		}
	}
	k := s.Kubernetes
	if On(k.Enabled) && On(k.RequireMFA) {
		needsFactor = "spec.kubernetes.requireMFA"
		if _, m, _ := strings.Cut(k.Version, "."); k.Version != "" {
			if n, err := strconv.Atoi(m); err == nil && n < 29 {
				errs = append(errs, p.Errorf("spec.kubernetes.requireMFA", "set spec.kubernetes.version to 1.29 or newer, or drop requireMFA",
					"the --oidc-* flags of Kubernetes %s cannot check a list claim (amr); requireMFA needs structured authentication", k.Version))
			}
		}
	}
	if needsFactor != "" && len(SecondFactors(s.Kratos)) == 0 {
		errs = append(errs, p.Errorf("spec.kratos.methods", enrol,
			"%s asks for a second factor, but no method people can enrol as one is enabled", needsFactor))
	}
	return errs
}
