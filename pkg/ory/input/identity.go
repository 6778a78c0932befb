package input

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
)

// Identity is one Kratos identity of the input. Its shape follows Kratos's
// own create-identity body, so an export from Kratos can be fed back in.
type Identity struct {
	SchemaID       string               `json:"schema_id,omitempty"`
	Traits         map[string]any       `json:"traits"`
	MetadataPublic map[string]any       `json:"metadata_public,omitempty"`
	MetadataAdmin  map[string]any       `json:"metadata_admin,omitempty"`
	State          string               `json:"state,omitempty"`
	Credentials    *IdentityCredentials `json:"credentials,omitempty"`
	// VerifiableAddresses imports addresses with their verification
	// status, as Kratos' import does: an address the organisation vouches
	// for ({value, via: email, verified: true}) needs no verification flow,
	// and kube-apiserver maps only a verified email to a user name. Applied
	// when bootstrap creates the identity.
	VerifiableAddresses []VerifiableAddress `json:"verifiable_addresses,omitempty"`

	// Source is where the identity was read from.
	Source Source `json:"-"`
}

// IdentityCredentials are the credentials to import with an identity.
type IdentityCredentials struct {
	Password *PasswordCredential `json:"password,omitempty"`
	OIDC     *OIDCCredential     `json:"oidc,omitempty"`
}

// PasswordCredential imports a password, plaintext or pre-hashed.
type PasswordCredential struct {
	Config PasswordConfig `json:"config"`
}

// PasswordConfig holds exactly one of Password and HashedPassword.
type PasswordConfig struct {
	Password       string `json:"password,omitempty"`
	HashedPassword string `json:"hashed_password,omitempty"`
}

// VerifiableAddress is one address of an identity and whether it is
// verified. Status defaults to completed for a verified address, else
// pending.
type VerifiableAddress struct {
	Value    string `json:"value"`
	Via      string `json:"via"`
	Verified bool   `json:"verified"`
	Status   string `json:"status,omitempty"`
}

var validVia = map[string]bool{"email": true, "sms": true}

var validAddressStatus = map[string]bool{"": true, "pending": true, "sent": true, "completed": true}

// OIDCCredential links an identity to upstream OIDC providers.
type OIDCCredential struct {
	Config OIDCConfig `json:"config"`
}

// OIDCConfig lists the provider links.
type OIDCConfig struct {
	Providers []OIDCProvider `json:"providers"`
}

// OIDCProvider is one link: the provider id of the Kratos config and the
// user's subject at that provider.
type OIDCProvider struct {
	Provider string `json:"provider"`
	Subject  string `json:"subject"`
}

// HasPlaintextPassword reports whether the server must hash a password for
// this identity, which makes its create request much more expensive.
func (i *Identity) HasPlaintextPassword() bool {
	return i.Credentials != nil && i.Credentials.Password != nil && i.Credentials.Password.Config.Password != ""
}

// hashFormats are the password hash prefixes Kratos v1.3.1 imports
// (hash/hash_comparator.go). Kratos rejects a whole batch when one hash is
// unknown, so they are checked before sending.
var hashFormats = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\$2[abzy]?\$|\$argon2id?\$|\$pbkdf2-sha[0-9]{1,3}\$|\$scrypt\$|\$firescrypt\$|\$sha(1|256|512)\$|\$(md5|sha256|sha512)-crypt\$|\$md5\$|\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$|\{SSHA(256|512)?\})`)
})

var validStates = map[string]bool{"": true, "active": true, "inactive": true}

// Validate checks what the server would otherwise reject for a whole batch.
func (i *Identity) Validate() error {
	if len(i.Traits) == 0 {
		return errors.New("traits are required")
	}
	if !validStates[i.State] {
		return fmt.Errorf("state %q is not active or inactive", i.State)
	}
	for n, a := range i.VerifiableAddresses {
		switch {
		case a.Value == "":
			return fmt.Errorf("verifiable_addresses[%d]: value is required", n)
		case !validVia[a.Via]:
			return fmt.Errorf("verifiable_addresses[%d]: via %q is not email or sms", n, a.Via)
		case !validAddressStatus[a.Status]:
			return fmt.Errorf("verifiable_addresses[%d]: status %q is not pending, sent or completed", n, a.Status)
		case a.Verified && a.Status != "" && a.Status != "completed":
			return fmt.Errorf("verifiable_addresses[%d]: a verified address has status completed, not %q", n, a.Status)
		}
	}
	if i.Credentials == nil {
		return nil
	}
	if p := i.Credentials.Password; p != nil {
		switch c := p.Config; {
		case c.Password != "" && c.HashedPassword != "":
			return errors.New("credentials.password.config: set password or hashed_password, not both")
		case c.Password == "" && c.HashedPassword == "":
			return errors.New("credentials.password.config: password or hashed_password is required")
		case c.HashedPassword != "" && !hashFormats().MatchString(c.HashedPassword):
			return errors.New("credentials.password.config.hashed_password: unknown hash format (supported: bcrypt, argon2, pbkdf2, scrypt, firescrypt, sha, md5, ssha, hmac)")
		}
	}
	if o := i.Credentials.OIDC; o != nil {
		for n, p := range o.Config.Providers {
			if p.Provider == "" || p.Subject == "" {
				return fmt.Errorf("credentials.oidc.config.providers[%d]: provider and subject are required", n)
			}
		}
	}
	return nil
}

// EachIdentity calls fn for every identity of the file at path, in order.
// NDJSON is streamed. An undecodable or invalid item stops the walk with an
// *Error carrying its file and line, so bad input never reaches a server.
func EachIdentity(path string, fn func(*Identity) error) error {
	return each(path, "identities", func(raw []byte, src Source) error {
		var id Identity
		if err := strictDecode(raw, &id); err != nil {
			return &Error{Source: src, Err: fmt.Errorf("invalid identity: %w", err)}
		}
		if err := id.Validate(); err != nil {
			return &Error{Source: src, Err: fmt.Errorf("invalid identity: %w", err)}
		}
		id.Source = src
		return fn(&id)
	})
}
