package input

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Client is one Hydra OAuth2 client of the input: the fields of Hydra's
// client object (client_id, client_name, grant_types, redirect_uris, …),
// passed through verbatim, plus authctl's own keys for the secret.
type Client struct {
	// ID is the caller-chosen client_id.
	ID string
	// Fields are the Hydra client fields without client_secret.
	Fields map[string]any
	// Secret is the secret from client_secret, client_secret_env or
	// client_secret_file; empty when authctl should generate one.
	Secret string
	// SecretName names the Kubernetes Secret that receives a generated
	// secret (default: the client_id).
	SecretName string

	Source Source
}

// IsPublic reports whether the client has no secret
// (token_endpoint_auth_method: none).
func (c *Client) IsPublic() bool { return c.Fields["token_endpoint_auth_method"] == "none" }

// clientFields are the Hydra v2.3.0 client fields users set. Unknown keys
// are rejected so that a typo does not silently drop a setting.
var clientFields = map[string]bool{
	"client_id": true, "client_name": true, "client_uri": true, "contacts": true,
	"grant_types": true, "response_types": true, "redirect_uris": true, "scope": true,
	"audience": true, "owner": true, "policy_uri": true, "tos_uri": true, "logo_uri": true,
	"allowed_cors_origins": true, "post_logout_redirect_uris": true, "metadata": true,
	"token_endpoint_auth_method": true, "token_endpoint_auth_signing_alg": true,
	"userinfo_signed_response_alg": true, "request_object_signing_alg": true,
	"request_uris": true, "jwks": true, "jwks_uri": true, "sector_identifier_uri": true,
	"subject_type": true, "skip_consent": true, "skip_logout_consent": true,
	"frontchannel_logout_uri": true, "frontchannel_logout_session_required": true,
	"backchannel_logout_uri": true, "backchannel_logout_session_required": true,
	"access_token_strategy":                             true,
	"authorization_code_grant_access_token_lifespan":    true,
	"authorization_code_grant_id_token_lifespan":        true,
	"authorization_code_grant_refresh_token_lifespan":   true,
	"client_credentials_grant_access_token_lifespan":    true,
	"implicit_grant_access_token_lifespan":              true,
	"implicit_grant_id_token_lifespan":                  true,
	"jwt_bearer_grant_access_token_lifespan":            true,
	"refresh_token_grant_access_token_lifespan":         true,
	"refresh_token_grant_id_token_lifespan":             true,
	"refresh_token_grant_refresh_token_lifespan":        true,
	"device_authorization_grant_access_token_lifespan":  true,
	"device_authorization_grant_id_token_lifespan":      true,
	"device_authorization_grant_refresh_token_lifespan": true,
}

// serverManaged are fields Hydra sets itself; they may appear in an export
// and are ignored.
var serverManaged = map[string]bool{
	"created_at": true, "updated_at": true, "client_secret_expires_at": true,
	"registration_access_token": true, "registration_client_uri": true,
}

// clientIDPattern is compiled on first use: the {1,255} repetition makes it
// the costliest package-level initialisation of the binary, paid by every
// command (`authctl version` included) unless it is lazy.
var clientIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._~:@-]{1,255}$`) })

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// SecretName turns a client id (or secret_name) into the name of the
// Kubernetes Secret that receives its generated secret: lower case, runs
// of other characters become "-". Distinct ids can map to one name
// (ci.deploy and ci-deploy), which ReadClients rejects.
func SecretName(id string) string {
	n := strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(id), "-"), "-")
	if len(n) > 253 {
		n = n[:253]
	}
	if n == "" {
		n = "client"
	}
	return n
}

// parseClient turns one raw item into a Client. getenv resolves
// client_secret_env.
func parseClient(raw []byte, src Source, getenv func(string) string) (*Client, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("a client must be an object")
	}
	c := &Client{Fields: map[string]any{}, Source: src}
	var unknown []string
	for k, v := range m {
		switch {
		case k == "client_secret":
			c.Secret, _ = v.(string)
		case k == "client_secret_env":
			name, _ := v.(string)
			if c.Secret = getenv(name); c.Secret == "" {
				return nil, fmt.Errorf("client_secret_env: environment variable %q is empty or unset", name)
			}
		case k == "client_secret_file":
			name, _ := v.(string)
			if !filepath.IsAbs(name) {
				// Relative to the input file, like the profile's paths.
				name = filepath.Join(filepath.Dir(src.File), name)
			}
			b, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("client_secret_file: %w", err)
			}
			c.Secret = strings.TrimRight(string(b), "\r\n")
		case k == "secret_name":
			c.SecretName, _ = v.(string)
		case clientFields[k]:
			c.Fields[k] = v
		case serverManaged[k]:
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown client field(s) %s", strings.Join(unknown, ", "))
	}
	c.ID, _ = c.Fields["client_id"].(string)
	if !clientIDPattern().MatchString(c.ID) {
		return nil, fmt.Errorf("client_id %q: a caller-chosen id of letters, digits and ._~:@- is required", c.ID)
	}
	if c.IsPublic() && c.Secret != "" {
		return nil, errors.New("a public client (token_endpoint_auth_method: none) has no secret")
	}
	if c.SecretName == "" {
		c.SecretName = c.ID
	}
	return c, nil
}

// ReadClients reads every client of the file at path. Client lists are
// small, so they are returned whole. Duplicate client_ids are an error, and
// so are two confidential clients whose generated secrets would land in
// the same Kubernetes Secret (the second would overwrite the first).
func ReadClients(path string, getenv func(string) string) ([]*Client, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var out []*Client
	seen := map[string]Source{}
	type owner struct {
		id  string
		src Source
	}
	secretNames := map[string]owner{}
	err := each(path, "clients", func(raw []byte, src Source) error {
		c, err := parseClient(raw, src, getenv)
		if err != nil {
			return &Error{Source: src, Err: fmt.Errorf("invalid client: %w", err)}
		}
		if prev, dup := seen[c.ID]; dup {
			return &Error{Source: src, Err: fmt.Errorf("client_id %q is already defined at %s", c.ID, prev)}
		}
		seen[c.ID] = src
		if !c.IsPublic() {
			name := SecretName(c.SecretName)
			if prev, dup := secretNames[name]; dup {
				return &Error{Source: src, Err: fmt.Errorf("client %q would write its secret to the Secret %q, like client %q at %s; set a distinct secret_name", c.ID, name, prev.id, prev.src)}
			}
			secretNames[name] = owner{c.ID, src}
		}
		out = append(out, c)
		return nil
	})
	return out, err
}
