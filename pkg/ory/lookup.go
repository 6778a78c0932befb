package ory

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	orysdk "github.com/ory/client-go"
)

// How offboard finds a person. People are known by more than the password
// identifier: someone who only ever signs in through SSO has an OIDC
// credential whose identifier is "provider:subject" (Kratos v1.3.1's
// identity.OIDCUniqueID), and addresses that may be no credential
// identifier at all (a schema whose identifier is a username, an address
// only marked for verification or recovery). Kratos v1.3.1's
// GET /admin/identities filters by ids and by credentials_identifier only
// (persistence/sql/identity: an exact match, normalised server-side for
// password, code and webauthn identifiers, case-sensitive for OIDC ones),
// so addresses are matched over the listed identities.

// Ways an identity matched an identifier, as the results and errors name them.
const (
	viaID         = "id"
	viaCredential = "credential identifier"
	viaEmailTrait = "traits.email"
	viaVerifiable = "verifiable address"
	viaRecovery   = "recovery address"
)

// identityMatch is one identity an identifier names, and how.
type identityMatch struct {
	ID  string
	Via []string
}

// addressIndex maps each address (lower-cased, trimmed) to the identities
// known by it and how: traits.email (a string or a list of them), and the
// verifiable and recovery addresses.
type addressIndex map[string]map[string][]string

func normalizeAddress(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// add indexes the addresses of one identity.
func (idx addressIndex) add(i *orysdk.Identity) {
	put := func(addr, via string) {
		a := normalizeAddress(addr)
		if a == "" {
			return
		}
		if idx[a] == nil {
			idx[a] = map[string][]string{}
		}
		if !slices.Contains(idx[a][i.Id], via) {
			idx[a][i.Id] = append(idx[a][i.Id], via)
		}
	}
	if traits, ok := i.Traits.(map[string]any); ok {
		switch e := traits["email"].(type) {
		case string:
			put(e, viaEmailTrait)
		case []any:
			for _, v := range e {
				if s, ok := v.(string); ok {
					put(s, viaEmailTrait)
				}
			}
		}
	}
	for _, a := range i.VerifiableAddresses {
		put(a.Value, viaVerifiable)
	}
	for _, a := range i.RecoveryAddresses {
		put(a.Value, viaRecovery)
	}
}

// matchIdentities merges what names an identifier: the identities found by
// id or credential identifier (byServer, with how) and those whose
// addresses equal it. The result is sorted by id; more than one is an
// ambiguous identifier.
func matchIdentities(identifier string, byServer map[string][]string, idx addressIndex) []identityMatch {
	all := map[string][]string{}
	for id, via := range byServer {
		all[id] = append(all[id], via...)
	}
	for id, via := range idx[normalizeAddress(identifier)] {
		for _, v := range via {
			if !slices.Contains(all[id], v) {
				all[id] = append(all[id], v)
			}
		}
	}
	out := make([]identityMatch, 0, len(all))
	for id, via := range all {
		out = append(out, identityMatch{ID: id, Via: via})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ambiguousError says which identities an identifier names; offboarding
// refuses it and changes nothing.
func ambiguousError(identifier string, matches []identityMatch) error {
	parts := make([]string, len(matches))
	for i, m := range matches {
		parts[i] = m.ID + " (" + strings.Join(m.Via, ", ") + ")"
	}
	return fmt.Errorf("%q names %d identities: %s; nothing was changed", identifier, len(matches), strings.Join(parts, ", "))
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// serverMatches asks Kratos for the identities an identifier names by id
// (when it is a UUID) or by credential identifier (password, code and
// webauthn identifiers, and OIDC's provider:subject). The identifier is sent
// as given, trimmed: Kratos normalises what it stores normalised, and an
// SSO subject is case-sensitive.
func (k *kratosAdmin) serverMatches(ctx context.Context, identifier string) (map[string][]string, error) {
	out := map[string][]string{}
	ident := strings.TrimSpace(identifier)
	if uuidRe.MatchString(ident) {
		err := k.retry.Do(ctx, func(ctx context.Context) error {
			i, resp, err := k.api.IdentityAPI.GetIdentity(ctx, strings.ToLower(ident)).Execute()
			if resp != nil && resp.StatusCode == http.StatusNotFound {
				return nil
			}
			if err := classify("GET /admin/identities/"+ident, resp, err); err != nil {
				return err
			}
			out[i.Id] = []string{viaID}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var ids []orysdk.Identity
	err := k.retry.Do(ctx, func(ctx context.Context) error {
		var resp *http.Response
		var err error
		ids, resp, err = k.api.IdentityAPI.ListIdentities(ctx).CredentialsIdentifier(ident).Execute()
		return classify("GET /admin/identities?credentials_identifier", resp, err)
	})
	if err != nil {
		return nil, err
	}
	for _, i := range ids {
		out[i.Id] = append(out[i.Id], viaCredential)
	}
	return out, nil
}

// addresses indexes the addresses of every identity, a page at a time.
func (k *kratosAdmin) addresses(ctx context.Context) (addressIndex, error) {
	idx := addressIndex{}
	err := k.eachIdentity(ctx, idx.add)
	return idx, err
}
