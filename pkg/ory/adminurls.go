package ory

import "github.com/authctl/authctl/pkg/profile"

// AdminURLs are the APIs bootstrap and offboard call: the Kratos and Hydra
// admin APIs, and Kratos' public API, where the identity schemas are read
// (its admin port only redirects GET /schemas to serve.public.base_url,
// which a port-forward cannot follow).
type AdminURLs struct {
	KratosAdmin  string
	HydraAdmin   string
	KratosPublic string
}

// Resolve fills each empty URL, the one precedence of bootstrap and
// offboard: the URL given, then $KRATOS_ADMIN_URL, $HYDRA_ADMIN_URL and
// $KRATOS_PUBLIC_URL (getenv may be nil), then the profile's in-cluster
// Services (p may be nil). Kratos' public Service comes from the profile
// only with its admin Service: in the cluster the one is reachable wherever
// the other is, while an admin URL given by hand says nothing about it.
func (u AdminURLs) Resolve(getenv func(string) string, p *profile.Profile) AdminURLs {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	fill := func(v *string, env string) {
		if *v == "" {
			*v = getenv(env)
		}
	}
	fill(&u.KratosAdmin, "KRATOS_ADMIN_URL")
	fill(&u.HydraAdmin, "HYDRA_ADMIN_URL")
	fill(&u.KratosPublic, "KRATOS_PUBLIC_URL")
	if p == nil {
		return u
	}
	w := p.Wiring()
	if u.KratosAdmin == "" {
		u.KratosAdmin = w.KratosAdminInternalURL
		if u.KratosPublic == "" {
			u.KratosPublic = w.KratosPublicInternalURL
		}
	}
	if u.HydraAdmin == "" {
		u.HydraAdmin = w.HydraAdminInternalURL
	}
	return u
}
