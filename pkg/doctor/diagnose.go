package doctor

import (
	"context"
	"io"

	"github.com/authctl/authctl/pkg/cluster"
)

// Diagnose is `authctl doctor` as one operation: with a Forwarder, it
// port-forwards the Service of every API whose URL was not given and
// checks through the forwards; it resolves the endpoints (given, then
// forwarded, then the profile's: ResolveEndpoints) and runs the checks.
type Diagnose struct {
	// Options are Run's; Options.Endpoints are the URLs given (flags or
	// environment), the rest resolved here. Forwarded is set here.
	Options
	// Forwarder (nil: no forwards) and Log, which gets a line per forward.
	Forwarder cluster.Forwarder
	Log       io.Writer
}

// Run checks the stack; the error is a forward that could not be opened
// (then no check ran).
func (g Diagnose) Run(ctx context.Context) (Report, error) {
	given := g.Endpoints
	var forwarded Endpoints
	if g.Forwarder != nil {
		log := g.Log
		if log == nil {
			log = io.Discard
		}
		fw, stop, err := Forward(ctx, g.Forwarder, log, g.Profile, given)
		if err != nil {
			return Report{}, err
		}
		defer stop()
		forwarded = fw
		// The forward closes when doctor ends: no fix may name it.
		g.Forwarded = given.HydraAdmin == ""
	}
	o := g.Options
	o.Endpoints = ResolveEndpoints(g.Profile.Wiring(), given, forwarded)
	return Run(ctx, o), nil
}
