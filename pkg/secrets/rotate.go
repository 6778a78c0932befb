package secrets

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rotatable is one secret or key `authctl secrets rotate` renews.
type Rotatable struct {
	// Name is what the command line calls it (kratos-cookie).
	Name string
	// Path is where it lives in the secrets file.
	Path string
	// Overlap reports that old values keep verifying (or decrypting) until
	// they are pruned: a rotation logs nobody out. Without it the new value
	// replaces the old one at once, and Note says what that interrupts.
	Overlap bool
	Note    string
	// NoPrune says why prune must keep the old values (never dropped).
	NoPrune string
	// list is the value list of an overlapping secret (nil for the JWKS and
	// single values).
	list func(*File) *[]string
	// one is a single value (no overlap).
	one func(*File) *string
	// size of a new value.
	size int
}

// Rotatables are every secret and key of the stack the secrets file holds,
// in the order they are listed.
var Rotatables = []Rotatable{
	{Name: "kratos-default", Path: "kratos.default", Overlap: true, size: 32, list: func(f *File) *[]string { return &f.Kratos.Default }},
	{Name: "kratos-cookie", Path: "kratos.cookie", Overlap: true, size: 32, list: func(f *File) *[]string { return &f.Kratos.Cookie },
		Note: "Kratos signs new session cookies with the new value and accepts cookies signed with the old ones until they are pruned"},
	{Name: "kratos-cipher", Path: "kratos.cipher", Overlap: true, size: 32, list: func(f *File) *[]string { return &f.Kratos.Cipher },
		Note: "Kratos encrypts with the new value and decrypts with every value: prune only after the data encrypted with the old one was rewritten or expired"},
	{Name: "hydra-system", Path: "hydra.system", Overlap: true, size: 32, list: func(f *File) *[]string { return &f.Hydra.System },
		Note:    "Hydra signs new tokens and encrypts with the new value and accepts the old ones",
		NoPrune: "Hydra v2.3.0 keeps its signing keys encrypted with the system secret they were made with and re-encrypts nothing: without the old value it cannot read them and stops answering (TestSecretsRotationKeepsSessionsAndTokens)"},
	{Name: "hydra-cookie", Path: "hydra.cookie", Overlap: true, size: 32, list: func(f *File) *[]string { return &f.Hydra.Cookie }},
	{Name: "oathkeeper-jwks", Path: "oathkeeper.jwks", Overlap: true,
		Note: "Oathkeeper signs reissued tokens with the new key; the old public keys stay published for upstreams until they are pruned"},
	{Name: "token-hook-key", Path: "hydra.tokenHookKey", size: 32, one: func(f *File) *string { return &f.Hydra.TokenHookKey },
		Note: "Hydra and the token hook read the same Secret key: token requests fail between the restart of one and of the other (seconds); rotate it in a quiet moment"},
	{Name: "ui-csrf", Path: "ui.csrfCookie", size: 32, one: func(f *File) *string { return &f.UI.CSRFCookie },
		Note: "a consent or logout form open during the restart is refused once and shown again"},
	{Name: "gateway-secret", Path: "oathkeeper.headerSecret", size: 32, one: func(f *File) *string { return &f.Oathkeeper.HeaderSecret },
		Note: "every headers-mode upstream's gateway secret changes: give each upstream its new one (authctl secrets upstream) before applying"},
}

// RotatableNames lists the names, for help and errors.
func RotatableNames() []string {
	out := make([]string, len(Rotatables))
	for i, r := range Rotatables {
		out[i] = r.Name
	}
	return out
}

// Select returns the rotatables named (all of them for none), or an error
// naming the unknown one.
func Select(names []string) ([]Rotatable, error) {
	if len(names) == 0 {
		return Rotatables, nil
	}
	var out []Rotatable
	for _, n := range names {
		i := slices.IndexFunc(Rotatables, func(r Rotatable) bool { return r.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown secret %q (allowed: %s)", n, strings.Join(RotatableNames(), ", "))
		}
		if !slices.ContainsFunc(out, func(r Rotatable) bool { return r.Name == n }) {
			out = append(out, Rotatables[i])
		}
	}
	return out, nil
}

// Rotate puts a new value in use for each rotatable (first in Ory's lists,
// last in the JWKS; overlapping ones keep their old values) and records
// the time. A rotatable the file
// does not hold yet (its component is off) is left out.
func (g Generator) Rotate(f *File, which []Rotatable, now time.Time) ([]Rotatable, error) {
	var done []Rotatable
	for _, r := range which {
		switch {
		case r.list != nil:
			l := r.list(f)
			if len(*l) == 0 {
				continue
			}
			v, err := g.random(r.size)
			if err != nil {
				return nil, err
			}
			*l = append([]string{v}, *l...)
		case r.one != nil:
			p := r.one(f)
			if *p == "" {
				continue
			}
			v, err := g.random(r.size)
			if err != nil {
				return nil, err
			}
			*p = v
		default: // the JWKS
			if f.Oathkeeper.JWKS == "" {
				continue
			}
			jwks, err := appendKey(f.Oathkeeper.JWKS, g)
			if err != nil {
				return nil, err
			}
			f.Oathkeeper.JWKS = jwks
		}
		if f.Rotated == nil {
			f.Rotated = map[string]string{}
		}
		f.Rotated[r.Name] = now.UTC().Format(time.RFC3339)
		done = append(done, r)
	}
	return done, nil
}

// Pruned is what Prune did for one rotatable.
type Pruned struct {
	Rotatable
	// Removed is how many old values were dropped.
	Removed int
	// Until is when the old values may be pruned, for one kept because
	// its rotation is more recent than the wait asked for.
	Until time.Time
	// Kept is set for old values prune never drops (NoPrune).
	Kept bool
	// Asked is set for old values only an explicit wait drops (Forever).
	Asked bool
}

// Prune drops the old values of overlapping rotatables whose last
// rotation is at least wait(name) old; the others are reported with the
// time they may go. An old value kept by a rotation without a record (an
// edited file) counts as old enough.
func Prune(f *File, which []Rotatable, wait func(name string) time.Duration, now time.Time) ([]Pruned, error) {
	var out []Pruned
	for _, r := range which {
		if !r.Overlap {
			continue
		}
		n, err := oldValues(f, r)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		if r.NoPrune != "" {
			out = append(out, Pruned{Rotatable: r, Kept: true})
			continue
		}
		w := wait(r.Name)
		if w == Forever {
			out = append(out, Pruned{Rotatable: r, Asked: true})
			continue
		}
		if at, err := time.Parse(time.RFC3339, f.Rotated[r.Name]); err == nil {
			if until := at.Add(w); now.Before(until) {
				out = append(out, Pruned{Rotatable: r, Until: until})
				continue
			}
		}
		if r.list != nil {
			l := r.list(f)
			*l = (*l)[:1]
		} else {
			jwks, err := lastKeyOnly(f.Oathkeeper.JWKS)
			if err != nil {
				return nil, err
			}
			f.Oathkeeper.JWKS = jwks
		}
		out = append(out, Pruned{Rotatable: r, Removed: n})
	}
	return out, nil
}

func oldValues(f *File, r Rotatable) (int, error) {
	if r.list != nil {
		return max(len(*r.list(f))-1, 0), nil
	}
	if f.Oathkeeper.JWKS == "" {
		return 0, nil
	}
	keys, err := jwksKeys(f.Oathkeeper.JWKS)
	return max(len(keys)-1, 0), err
}

func jwksKeys(jwks string) ([]json.RawMessage, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal([]byte(jwks), &set); err != nil {
		return nil, fmt.Errorf("oathkeeper.jwks is not a JSON Web Key Set: %w", err)
	}
	return set.Keys, nil
}

func writeJWKS(keys []json.RawMessage) (string, error) {
	out, err := json.MarshalIndent(map[string][]json.RawMessage{"keys": keys}, "", "  ")
	return string(out), err
}

// appendKey adds a new signing key after the others, which stay for
// verification: Oathkeeper v0.40.9's id_token mutator signs with the last
// private key of the set (credentials/signer_default.go keeps the last one
// its loop sees), and publishes every key's public part.
func appendKey(jwks string, g Generator) (string, error) {
	keys, err := jwksKeys(jwks)
	if err != nil {
		return "", err
	}
	fresh, err := GenerateJWKS(g.Rand)
	if err != nil {
		return "", err
	}
	nk, err := jwksKeys(fresh)
	if err != nil {
		return "", err
	}
	return writeJWKS(append(keys, nk...))
}

// lastKeyOnly keeps the signing key.
func lastKeyOnly(jwks string) (string, error) {
	keys, err := jwksKeys(jwks)
	if err != nil || len(keys) == 0 {
		return jwks, err
	}
	return writeJWKS(keys[len(keys)-1:])
}
