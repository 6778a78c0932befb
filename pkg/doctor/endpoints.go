package doctor

import (
	"context"
	"io"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/profile"
)

// Endpoints are where the stack's APIs are reached from here: the public
// URLs, port-forwards, or the in-cluster URLs when doctor runs in the cluster.
type Endpoints struct {
	KratosPublic  string `json:"kratosPublic"`
	KratosAdmin   string `json:"kratosAdmin"`
	HydraPublic   string `json:"hydraPublic"`
	HydraAdmin    string `json:"hydraAdmin"`
	OathkeeperAPI string `json:"oathkeeperAPI"`
}

// DefaultEndpoints are the public URLs for the public APIs and the in-cluster
// URLs for the admin APIs, which are never exposed publicly.
func DefaultEndpoints(w profile.Wiring) Endpoints {
	return Endpoints{
		KratosPublic:  w.KratosPublicURL,
		KratosAdmin:   w.KratosAdminInternalURL,
		HydraPublic:   w.IssuerURL,
		HydraAdmin:    w.HydraAdminInternalURL,
		OathkeeperAPI: w.OathkeeperAPIInternalURL,
	}
}

// ResolveEndpoints is the one precedence of doctor's endpoints: a URL given
// (flag or environment) wins over a port-forward, which wins over the
// profile's default.
func ResolveEndpoints(w profile.Wiring, given, forwarded Endpoints) Endpoints {
	return given.or(forwarded).or(DefaultEndpoints(w))
}

// or fills each empty URL of e from fallback.
func (e Endpoints) or(fallback Endpoints) Endpoints {
	for _, v := range []struct {
		dst  *string
		from string
	}{
		{&e.KratosPublic, fallback.KratosPublic}, {&e.KratosAdmin, fallback.KratosAdmin},
		{&e.HydraPublic, fallback.HydraPublic}, {&e.HydraAdmin, fallback.HydraAdmin},
		{&e.OathkeeperAPI, fallback.OathkeeperAPI},
	} {
		if *v.dst == "" {
			*v.dst = v.from
		}
	}
	return e
}

// Forward port-forwards the Service of every enabled API whose URL was not
// given and returns the forwarded URLs and the function that stops them.
func Forward(ctx context.Context, fwd cluster.Forwarder, log io.Writer, p *profile.Profile, given Endpoints) (Endpoints, func(), error) {
	w, c := p.Wiring(), p.Spec.Components
	kratos, hydra, oathkeeper := profile.On(c.Kratos.Enabled), profile.On(c.Hydra.Enabled), profile.On(c.Oathkeeper.Enabled)
	urls, stop, err := cluster.Forward(ctx, fwd, log, w.Namespace, []cluster.Target{
		{Service: w.KratosPublicService, Port: profile.KratosPublicPort, Skip: !kratos || given.KratosPublic != ""},
		{Service: w.KratosAdminService, Port: profile.KratosAdminPort, Skip: !kratos || given.KratosAdmin != ""},
		{Service: w.HydraPublicService, Port: profile.HydraPublicPort, Skip: !hydra || given.HydraPublic != ""},
		{Service: w.HydraAdminService, Port: profile.HydraAdminPort, Skip: !hydra || given.HydraAdmin != ""},
		{Service: w.OathkeeperAPIService, Port: profile.OathkeeperAPIPort, Skip: !oathkeeper || given.OathkeeperAPI != ""},
	})
	if err != nil {
		return Endpoints{}, nil, err
	}
	return Endpoints{KratosPublic: urls[0], KratosAdmin: urls[1], HydraPublic: urls[2], HydraAdmin: urls[3], OathkeeperAPI: urls[4]}, stop, nil
}
