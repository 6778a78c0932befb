package ory

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/dotpath"
	"github.com/authctl/authctl/pkg/ory/retry"
)

// kratosAdmin wraps the Kratos admin API calls bootstrap makes, each with
// retries.
type kratosAdmin struct {
	api   *orysdk.APIClient
	retry retry.Policy
	// public, when set, is the Kratos public API, which serves the identity
	// schemas. Without it they are read through the admin port, which only
	// redirects GET /schemas to serve.public.base_url: a host that a
	// port-forward (or a laptop before DNS exists) cannot reach.
	public *orysdk.APIClient
}

// schemas returns the identity schemas by id.
func (k *kratosAdmin) schemas(ctx context.Context) (map[string]map[string]any, error) {
	api := k.api
	if k.public != nil {
		api = k.public
	}
	out := map[string]map[string]any{}
	err := eachPage(ctx, k.retry, "GET /schemas",
		func(ctx context.Context, token string) ([]orysdk.IdentitySchemaContainer, *http.Response, error) {
			req := api.IdentityAPI.ListIdentitySchemas(ctx).PageSize(1000)
			if token != "" {
				req = req.PageToken(token)
			}
			return req.Execute()
		},
		func(s *orysdk.IdentitySchemaContainer) error {
			out[s.Id] = s.Schema
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachIdentity lists every identity, a page at a time.
func (k *kratosAdmin) eachIdentity(ctx context.Context, fn func(*orysdk.Identity)) error {
	return eachPage(ctx, k.retry, "GET /admin/identities",
		func(ctx context.Context, token string) ([]orysdk.Identity, *http.Response, error) {
			req := k.api.IdentityAPI.ListIdentities(ctx).PageSize(1000)
			if token != "" {
				req = req.PageToken(token)
			}
			return req.Execute()
		},
		func(id *orysdk.Identity) error {
			fn(id)
			return nil
		})
}

// findByIdentifier returns the identity with the credential identifier, or nil.
func (k *kratosAdmin) findByIdentifier(ctx context.Context, identifier string) (*orysdk.Identity, error) {
	var ids []orysdk.Identity
	err := k.retry.Do(ctx, func(ctx context.Context) error {
		var resp *http.Response
		var err error
		ids, resp, err = k.api.IdentityAPI.ListIdentities(ctx).CredentialsIdentifier(identifier).Execute()
		return classify("GET /admin/identities?credentials_identifier", resp, err)
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return &ids[0], nil
}

// patchResult is the outcome of one item of a batch create.
type patchResult struct {
	ID     string // the new identity's id on success
	Err    string // the server's per-item error message
	Status int    // the per-item error's HTTP code (409 for a duplicate)
}

// batchCreate sends one PATCH /admin/identities with create patches.
// Per-item failures are returned in the results; an error means the whole
// request failed.
func (k *kratosAdmin) batchCreate(ctx context.Context, bodies []orysdk.CreateIdentityBody) ([]patchResult, error) {
	patches := make([]orysdk.IdentityPatch, len(bodies))
	for i := range bodies {
		patches[i] = orysdk.IdentityPatch{Create: &bodies[i]}
	}
	var res *orysdk.BatchPatchIdentitiesResponse
	err := k.retry.Do(ctx, func(ctx context.Context) error {
		var resp *http.Response
		var err error
		res, resp, err = k.api.IdentityAPI.BatchPatchIdentities(ctx).
			PatchIdentitiesBody(orysdk.PatchIdentitiesBody{Identities: patches}).Execute()
		return classify("PATCH /admin/identities", resp, err)
	})
	if err != nil {
		return nil, err
	}
	if len(res.Identities) != len(bodies) {
		return nil, fmt.Errorf("PATCH /admin/identities: %d results for %d identities", len(res.Identities), len(bodies))
	}
	out := make([]patchResult, len(bodies))
	for i, r := range res.Identities {
		if r.GetAction() == "error" || r.Error != nil {
			out[i].Err, out[i].Status = itemError(r.Error)
			continue
		}
		out[i].ID = r.GetIdentity()
	}
	return out, nil
}

// itemError formats identities[i].error of a batch response.
func itemError(e any) (string, int) {
	b, _ := json.Marshal(e)
	var v struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Reason  string `json:"reason"`
	}
	if json.Unmarshal(b, &v) != nil || v.Message == "" {
		return string(b), 0
	}
	msg := v.Message
	if v.Reason != "" && v.Reason != v.Message {
		msg += ": " + v.Reason
	}
	return msg, v.Code
}

// createOne creates one identity with POST /admin/identities. Kratos
// v1.3.1 reports only "The request was malformed or contained invalid
// parameters" for a batch item that fails validation; the single create
// returns the validation details (and simply succeeds when the failure was
// not about the identity itself).
func (k *kratosAdmin) createOne(ctx context.Context, body orysdk.CreateIdentityBody) (string, error) {
	var id string
	err := k.retry.Do(ctx, func(ctx context.Context) error {
		created, resp, err := k.api.IdentityAPI.CreateIdentity(ctx).CreateIdentityBody(body).Execute()
		if err := classify("POST /admin/identities", resp, err); err != nil {
			return err
		}
		id = created.Id
		return nil
	})
	return id, err
}

func (k *kratosAdmin) update(ctx context.Context, id string, body orysdk.UpdateIdentityBody) error {
	return k.retry.Do(ctx, func(ctx context.Context) error {
		_, resp, err := k.api.IdentityAPI.UpdateIdentity(ctx, id).UpdateIdentityBody(body).Execute()
		return classify("PUT /admin/identities/"+id, resp, err)
	})
}

func (k *kratosAdmin) delete(ctx context.Context, id string) error {
	return k.retry.Do(ctx, func(ctx context.Context) error {
		resp, err := k.api.IdentityAPI.DeleteIdentity(ctx, id).Execute()
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil // already gone: the goal is reached
		}
		return classify("DELETE /admin/identities/"+id, resp, err)
	})
}

// identifierTraits returns the trait paths a schema marks as a credential
// identifier ("ory.sh/kratos": {"credentials": {"password": {"identifier":
// true}}}), sorted, e.g. ["email"].
func identifierTraits(schema map[string]any) []string {
	return schemaTraits(schema, func(ext map[string]any) bool {
		creds, _ := ext["credentials"].(map[string]any)
		for _, c := range creds {
			if cm, ok := c.(map[string]any); ok && cm["identifier"] == true {
				return true
			}
		}
		return false
	})
}

// verificationTraits are the dotted trait paths the schema marks for
// verification (ory.sh/kratos.verification.via): the only addresses Kratos
// keeps as verifiable.
func verificationTraits(schema map[string]any) []string {
	return schemaTraits(schema, func(ext map[string]any) bool {
		via, _ := dotpath.Get(ext, "verification", "via").(string)
		return via != ""
	})
}

// schemaTraits lists, sorted, the dotted paths of the traits whose
// ory.sh/kratos extension satisfies match.
func schemaTraits(schema map[string]any, match func(ext map[string]any) bool) []string {
	props, _ := dotpath.Get(schema, "properties", "traits", "properties").(map[string]any)
	var out []string
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for name, p := range props {
			pm, _ := p.(map[string]any)
			if ext, ok := pm["ory.sh/kratos"].(map[string]any); ok && match(ext) {
				out = append(out, prefix+name)
			}
			if sub, ok := pm["properties"].(map[string]any); ok {
				walk(prefix+name+".", sub)
			}
		}
	}
	walk("", props)
	sort.Strings(out)
	return out
}

// traitValue reads a dotted trait path; the key of an identity.
func traitValue(traits any, path string) (string, bool) {
	v := dotpath.Lookup(traits, path)
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return "", false
	}
	// Kratos lower-cases identifiers, so keys compare the same way.
	return strings.ToLower(strings.TrimSpace(s)), true
}
