package render

import (
	"cmp"
	"fmt"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/serve/ui"
)

// uiImage is the UI's image: authctl's own for the built-in UI, else
// spec.components.ui.image (Ory's kratos-selfservice-ui-node by default).
func uiImage(p *profile.Profile) string {
	if p.Spec.UI.Implementation == "builtin" {
		return AuthctlImage
	}
	return p.Spec.Components.UI.Image.Ref()
}

// buildUIValues gives the built-in UI its flags: where it reaches Kratos
// and Hydra, where browsers reach Kratos, and the profile's settings.
func buildUIValues(m *model, csrfName string) uiValues {
	s, w := m.p.Spec, m.w
	v := uiValues{Builtin: s.UI.Implementation == "builtin", CSRFCookieName: csrfName, CSRFSecretEnv: ui.CSRFSecretEnv}
	if !v.Builtin {
		return v
	}
	v.Args = []string{
		"serve", "ui",
		fmt.Sprintf("--listen=:%d", profile.UIPort),
		"--kratos-public-url=" + w.KratosPublicInternalURL,
		"--kratos-browser-url=" + w.KratosPublicURL,
	}
	if profile.On(s.Components.Hydra.Enabled) {
		v.Args = append(v.Args, "--hydra-admin-url="+w.HydraAdminInternalURL, "--kratos-admin-url="+w.KratosAdminInternalURL)
	}
	v.Args = append(v.Args, "--product-name="+s.UI.ProductName)
	for _, c := range s.UI.FirstPartyClients {
		v.Args = append(v.Args, "--first-party-client="+c)
	}
	if profile.On(s.Kratos.Registration) {
		v.Args = append(v.Args, "--registration")
	}
	if s.Kratos.Courier.SMTPURISecretRef != nil {
		v.Args = append(v.Args, "--recovery")
	}
	c := s.Kubernetes.Claims
	v.Args = append(v.Args, "--csrf-cookie-name="+csrfName,
		"--email-field="+cmp.Or(c.Email, "traits.email"), "--groups-field="+cmp.Or(c.Groups, "metadata_public.groups"),
		"--groups-scope="+cmp.Or(c.GroupsScope, "groups"))
	return v
}

// AuthctlImage runs authctl's own in-cluster helpers. The tag follows the
// release that rendered the stack.
var AuthctlImage = "ghcr.io/authctl/authctl:v0.1.0"
