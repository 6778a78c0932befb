package doctor

import (
	"context"
	"net/http"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// ready checks /health/ready on each endpoint.
func (d *doctor) ready(ctx context.Context, component string, enabled bool, endpoints ...endpoint) Check {
	if !enabled {
		return skip("%s is disabled in the profile", component)
	}
	var ok []string
	for _, e := range endpoints {
		u := join(e.url, "health/ready")
		resp, body, err := d.get(ctx, u, nil)
		if err != nil {
			return fail(d.unreachableFix(e, err), "%s %s: %v", component, e.label, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fail(d.notReadyFix(e), "%s %s: GET %s: HTTP %d: %s", component, e.label, u, resp.StatusCode, firstLine(body))
		}
		ok = append(ok, e.label)
	}
	return pass("%s %s ready", component, strings.Join(ok, " and "))
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func (d *doctor) kratosHealth(ctx context.Context) Check {
	e, w := d.o.Endpoints, d.w
	return d.ready(ctx, "Kratos", profile.On(d.o.Profile.Spec.Components.Kratos.Enabled),
		endpoint{"public", e.KratosPublic, w.KratosPublicService, profile.KratosPublicPort, "kratos-public-url"},
		endpoint{"admin", join(e.KratosAdmin, "admin"), w.KratosAdminService, profile.KratosAdminPort, "kratos-admin-url"})
}

func (d *doctor) hydraHealth(ctx context.Context) Check {
	e, w := d.o.Endpoints, d.w
	return d.ready(ctx, "Hydra", d.hydraOn(),
		endpoint{"public", e.HydraPublic, w.HydraPublicService, profile.HydraPublicPort, "hydra-public-url"},
		endpoint{"admin", e.HydraAdmin, w.HydraAdminService, profile.HydraAdminPort, "hydra-admin-url"})
}

func (d *doctor) oathkeeperHealth(ctx context.Context) Check {
	return d.ready(ctx, "Oathkeeper", profile.On(d.o.Profile.Spec.Components.Oathkeeper.Enabled),
		endpoint{"api", d.o.Endpoints.OathkeeperAPI, d.w.OathkeeperAPIService, profile.OathkeeperAPIPort, "oathkeeper-api-url"})
}

func (d *doctor) hydraOn() bool { return profile.On(d.o.Profile.Spec.Components.Hydra.Enabled) }
