package ory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"time"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/ory/input"
	"github.com/authctl/authctl/pkg/ory/retry"
	"github.com/authctl/authctl/pkg/progress"
)

// ClientOptions configure the OAuth2 client phase.
type ClientOptions struct {
	// File is the input (YAML, JSON or NDJSON).
	File string
	// Prune deletes authctl-managed clients missing from the input.
	Prune bool
	// UpdateCredentials sends the input's secrets for existing clients.
	// Without it an existing client keeps its secret.
	UpdateCredentials bool
	// RotateSecrets are client ids whose secret is replaced by a new
	// generated one.
	RotateSecrets []string
	// Getenv resolves client_secret_env (default os.Getenv).
	Getenv func(string) string
}

// GeneratedSecret is a client secret authctl generated. It is handed to a
// SecretWriter and never printed.
type GeneratedSecret struct {
	ClientID   string
	SecretName string
	Secret     string
}

// hydraAdmin wraps the Hydra admin calls bootstrap makes, with retries.
type hydraAdmin struct {
	api   *orysdk.APIClient
	retry retry.Policy
}

// get returns the client as a JSON object, or nil when it does not exist.
func (h *hydraAdmin) get(ctx context.Context, id string) (map[string]any, error) {
	var out map[string]any
	err := h.retry.Do(ctx, func(ctx context.Context) error {
		c, resp, err := h.api.OAuth2API.GetOAuth2Client(ctx, id).Execute()
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			out = nil
			return nil
		}
		if err := classify("GET /admin/clients/"+id, resp, err); err != nil {
			return err
		}
		out, err = toMap(c)
		return err
	})
	return out, err
}

func (h *hydraAdmin) create(ctx context.Context, c orysdk.OAuth2Client) error {
	return h.retry.Do(ctx, func(ctx context.Context) error {
		_, resp, err := h.api.OAuth2API.CreateOAuth2Client(ctx).OAuth2Client(c).Execute()
		return classify("POST /admin/clients", resp, err)
	})
}

func (h *hydraAdmin) set(ctx context.Context, id string, c orysdk.OAuth2Client) error {
	return h.retry.Do(ctx, func(ctx context.Context) error {
		_, resp, err := h.api.OAuth2API.SetOAuth2Client(ctx, id).OAuth2Client(c).Execute()
		return classify("PUT /admin/clients/"+id, resp, err)
	})
}

// rotate replaces a client's secret. Hydra v2.3.0 has no rotate endpoint
// (client/handler.go registers none), so this is the JSON Patch that the
// admin API documents for setting a new secret.
func (h *hydraAdmin) rotate(ctx context.Context, id, secret string) error {
	patch := []orysdk.JsonPatch{{Op: "replace", Path: "/client_secret", Value: secret}}
	return h.retry.Do(ctx, func(ctx context.Context) error {
		_, resp, err := h.api.OAuth2API.PatchOAuth2Client(ctx, id).JsonPatch(patch).Execute()
		return classify("PATCH /admin/clients/"+id, resp, err)
	})
}

func (h *hydraAdmin) delete(ctx context.Context, id string) error {
	return h.retry.Do(ctx, func(ctx context.Context) error {
		resp, err := h.api.OAuth2API.DeleteOAuth2Client(ctx, id).Execute()
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil
		}
		return classify("DELETE /admin/clients/"+id, resp, err)
	})
}

func (h *hydraAdmin) each(ctx context.Context, fn func(map[string]any)) error {
	return eachPage(ctx, h.retry, "GET /admin/clients",
		func(ctx context.Context, token string) ([]orysdk.OAuth2Client, *http.Response, error) {
			req := h.api.OAuth2API.ListOAuth2Clients(ctx).PageSize(500)
			if token != "" {
				req = req.PageToken(token)
			}
			return req.Execute()
		},
		func(c *orysdk.OAuth2Client) error {
			m, err := toMap(c)
			if err != nil {
				return err
			}
			fn(m)
			return nil
		})
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func toSDKClient(m map[string]any) (orysdk.OAuth2Client, error) {
	var c orysdk.OAuth2Client
	b, err := json.Marshal(m)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

// GenerateSecret returns 32 random bytes, base64url-encoded.
func GenerateSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("could not generate a secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// clientSync plans and applies the clients of one input file.
type clientSync struct {
	o      ClientOptions
	dryRun bool
	h      *hydraAdmin
	sum    *Summary
	prog   progress.Reporter
	// writeSecrets persists generated secrets; called after each one so
	// that an interrupted run loses none.
	writeSecrets func([]GeneratedSecret) error
	generated    []GeneratedSecret
}

func (s *clientSync) keep(g GeneratedSecret) error {
	s.generated = append(s.generated, g)
	if s.writeSecrets == nil {
		return nil
	}
	if err := s.writeSecrets(s.generated); err != nil {
		return fmt.Errorf("client %q has a new secret that could not be saved (rotate it again): %w", g.ClientID, err)
	}
	return nil
}

func clientManaged(m map[string]any) bool {
	md, _ := m["metadata"].(map[string]any)
	return isManaged(md)
}

func (s *clientSync) run(ctx context.Context) error {
	var clients []*input.Client
	if s.o.File != "" {
		var err error
		if clients, err = input.ReadClients(s.o.File, s.o.Getenv); err != nil {
			return err
		}
	}
	rotate := map[string]bool{}
	for _, id := range s.o.RotateSecrets {
		rotate[id] = true
	}
	s.prog.Start("clients", len(clients))
	defer s.prog.Finish()
	inInput := map[string]bool{}
	for _, c := range clients {
		if err := ctx.Err(); err != nil {
			return err
		}
		inInput[c.ID] = true
		if err := s.upsert(ctx, c, rotate[c.ID]); err != nil {
			s.sum.fail(ItemError{Kind: KindClient, Key: c.ID, Source: c.Source.String(), Message: err.Error()})
		}
		delete(rotate, c.ID)
		s.prog.Add(1)
	}
	// Rotation also works for clients that are not in the input.
	for _, id := range slices.Sorted(maps.Keys(rotate)) {
		if err := s.rotateOnly(ctx, id); err != nil {
			s.sum.fail(ItemError{Kind: KindClient, Key: id, Message: err.Error()})
		}
	}
	if s.o.Prune {
		return s.prune(ctx, inInput)
	}
	return nil
}

func (s *clientSync) upsert(ctx context.Context, c *input.Client, rotate bool) error {
	cur, err := s.h.get(ctx, c.ID)
	if err != nil {
		return err
	}
	desired := make(map[string]any, len(c.Fields)+2)
	for k, v := range c.Fields {
		desired[k] = v
	}
	md, _ := desired["metadata"].(map[string]any)
	src := c.Source.String()
	if cur == nil {
		desired["metadata"] = withMarker(md)
		if _, ok := desired["owner"]; !ok {
			desired["owner"] = ManagedByValue
		}
		secret, generated := c.Secret, false
		if !c.IsPublic() && secret == "" {
			if secret, err = GenerateSecret(); err != nil {
				return err
			}
			generated = true
		}
		change := Change{Kind: KindClient, Action: ActionCreate, Key: c.ID, Source: src}
		if s.dryRun {
			s.sum.record(change)
			return nil
		}
		if secret != "" {
			desired["client_secret"] = secret
		}
		body, err := toSDKClient(desired)
		if err != nil {
			return err
		}
		if err := s.h.create(ctx, body); err != nil {
			if statusOf(err) != http.StatusConflict {
				return err
			}
			// 409 after a retry: the first POST may have created the
			// client and lost its response, so the generated secret never
			// reached the output. The secret cannot be read back (Hydra
			// stores a hash), so a client of ours gets a fresh one.
			if secret, err = s.recoverCreate(ctx, c, generated); err != nil {
				return err
			}
		}
		s.sum.record(change)
		if generated {
			return s.keep(GeneratedSecret{ClientID: c.ID, SecretName: c.SecretName, Secret: secret})
		}
		return nil
	}

	if clientManaged(cur) {
		desired["metadata"] = withMarker(md)
	}
	if _, ok := desired["owner"]; !ok {
		desired["owner"] = cur["owner"] // PUT replaces: keep what we don't set
	}
	fields := diffFields(desired, cur)
	if s.o.UpdateCredentials && c.Secret != "" {
		fields = append(fields, "client_secret")
	}
	change := Change{Kind: KindClient, Action: ActionUpdate, Key: c.ID, Fields: fields, Source: src}
	switch {
	case len(fields) == 0:
		change.Action = ActionUnchanged
		s.sum.record(change)
	case s.dryRun:
		s.sum.record(change)
	default:
		if s.o.UpdateCredentials && c.Secret != "" {
			desired["client_secret"] = c.Secret
		}
		body, err := toSDKClient(desired)
		if err != nil {
			return err
		}
		if err := s.h.set(ctx, c.ID, body); err != nil {
			return err
		}
		s.sum.record(change)
	}
	if rotate {
		return s.rotate(ctx, c.ID, c.SecretName)
	}
	return nil
}

// recoverCreate handles a create that met 409 Conflict. A client that
// carries authctl's marker is taken as the one this run created: its
// secret is rotated to a new generated one (returned, to be saved), or,
// for a secret from the input, left as is. Anyone else's client is an
// error.
func (s *clientSync) recoverCreate(ctx context.Context, c *input.Client, generated bool) (string, error) {
	cur, err := s.h.get(ctx, c.ID)
	if err != nil {
		return "", err
	}
	if cur == nil || !clientManaged(cur) {
		return "", fmt.Errorf("client %q already exists and is not managed by authctl", c.ID)
	}
	if !generated {
		return c.Secret, nil
	}
	secret, err := GenerateSecret()
	if err != nil {
		return "", err
	}
	if err := s.h.rotate(ctx, c.ID, secret); err != nil {
		return "", fmt.Errorf("client %q was created but its response was lost, and setting a new secret failed: %w", c.ID, err)
	}
	return secret, nil
}

func (s *clientSync) rotateOnly(ctx context.Context, id string) error {
	cur, err := s.h.get(ctx, id)
	if err != nil {
		return err
	}
	if cur == nil {
		return fmt.Errorf("cannot rotate the secret of client %q: it does not exist", id)
	}
	return s.rotate(ctx, id, id)
}

func (s *clientSync) rotate(ctx context.Context, id, secretName string) error {
	change := Change{Kind: KindClient, Action: ActionRotate, Key: id}
	if s.dryRun {
		s.sum.record(change)
		return nil
	}
	secret, err := GenerateSecret()
	if err != nil {
		return err
	}
	if err := s.h.rotate(ctx, id, secret); err != nil {
		return fmt.Errorf("could not rotate the secret: %w", err)
	}
	s.sum.record(change)
	return s.keep(GeneratedSecret{ClientID: id, SecretName: secretName, Secret: secret})
}

func (s *clientSync) prune(ctx context.Context, inInput map[string]bool) error {
	var stale []string
	err := s.h.each(ctx, func(m map[string]any) {
		id, _ := m["client_id"].(string)
		if clientManaged(m) && !inInput[id] {
			stale = append(stale, id)
		}
	})
	if err != nil {
		return fmt.Errorf("could not list clients: %w", err)
	}
	sort.Strings(stale)
	for _, id := range stale {
		change := Change{Kind: KindClient, Action: ActionDelete, Key: id}
		if !s.dryRun {
			if err := s.h.delete(ctx, id); err != nil {
				s.sum.fail(ItemError{Kind: KindClient, Key: id, Message: err.Error()})
				continue
			}
		}
		s.sum.record(change)
	}
	return nil
}

// diffFields lists the desired fields whose value differs on the server.
// Only fields the input sets are compared: Hydra fills the others with
// defaults.
func diffFields(desired, cur map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(desired)) {
		if !sameValue(desired[k], cur[k]) {
			out = append(out, k)
		}
	}
	return out
}

// sameValue compares two JSON values, treating null, "" and empty
// collections alike and equal durations ("1h" and "1h0m0s") as equal.
func sameValue(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		if as == bs {
			return true
		}
		da, errA := time.ParseDuration(as)
		db, errB := time.ParseDuration(bs)
		return errA == nil && errB == nil && da == db
	}
	// Normalise both through JSON so numbers and nested maps compare alike.
	var na, nb any
	ba, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	_ = json.Unmarshal(ba, &na)
	_ = json.Unmarshal(bb, &nb)
	return reflect.DeepEqual(na, nb)
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
