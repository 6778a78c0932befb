package profile

import (
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/authctl/authctl/pkg/ory/input"
)

// validateBootstrap reads the bootstrap input files the way `authctl
// bootstrap` will, so a missing file or a bad item fails now, not against a
// server: the clients file always, the identities file (which may be large)
// when asked. Secrets named by client_secret_env need not be set yet. The
// clients' ids are added to clientIDs.
func (p *Profile) validateBootstrap(identities bool, clientIDs map[string]string) ErrorList {
	var errs ErrorList
	b := p.Spec.Bootstrap
	report := func(field string, err error) {
		var ie *input.Error
		if errors.As(err, &ie) {
			errs = append(errs, &FieldError{File: ie.Source.File, Pos: Pos{Line: ie.Source.Line, Col: 1}, Msg: ie.Err.Error(),
				Hint: "named by " + field + " in " + p.Source})
			return
		}
		errs = append(errs, p.Errorf(field, "the path is relative to the profile file", "%v", err))
	}
	if b.Identities != "" && identities {
		path := p.resolve(b.Identities)
		if err := input.EachIdentity(path, func(*input.Identity) error { return nil }); err != nil {
			report("spec.bootstrap.identities", err)
		}
	}
	if b.Clients != "" {
		path := p.resolve(b.Clients)
		clients, err := input.ReadClients(path, func(string) string { return "set at bootstrap" })
		if err != nil {
			report("spec.bootstrap.clients", err)
		}
		p.browserOrigins = browserOrigins(clients)
		for _, c := range clients {
			clientIDs[c.ID] = fmt.Sprintf("the client in %s line %d", b.Clients, c.Source.Line)
		}
	}
	return errs
}

// browserOrigins are the origins a browser app calls Hydra from: a client's
// allowed_cors_origins, or for a public authorization-code client (a
// single-page app) the origins of its redirect URIs. Loopback redirects
// belong to native apps such as kubectl, which need no CORS.
func browserOrigins(clients []*input.Client) []string {
	var out []string
	add := func(o string) {
		if o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	for _, c := range clients {
		if list, ok := c.Fields["allowed_cors_origins"].([]any); ok && len(list) > 0 {
			for _, o := range list {
				s, _ := o.(string)
				add(s)
			}
			continue
		}
		grants, _ := c.Fields["grant_types"].([]any)
		if !c.IsPublic() || !slices.Contains(grants, any("authorization_code")) {
			continue
		}
		uris, _ := c.Fields["redirect_uris"].([]any)
		for _, u := range uris {
			s, _ := u.(string)
			pu, err := url.Parse(s)
			if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
				continue
			}
			if h := pu.Hostname(); h == "localhost" || h == "127.0.0.1" || h == "::1" {
				continue
			}
			add(pu.Scheme + "://" + pu.Host)
		}
	}
	return out
}

// checkOrigin accepts scheme://host[:port] and nothing more.
func checkOrigin(v string) error {
	if err := checkURL(v, false); err != nil {
		return err
	}
	u, _ := url.Parse(v)
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("an origin has no path, query or user")
	}
	return nil
}
