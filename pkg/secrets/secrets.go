// Package secrets keeps the values of the generate secrets policy: created
// once with crypto/rand, stored in a local 0600 file, and reused on every
// render so output stays byte-identical.
package secrets

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/authctl/authctl/pkg/atomicfile"
	"github.com/authctl/authctl/pkg/profile"
)

// Kind identifies a secrets file.
const Kind = "Secrets"

// File is the content of a secrets file. In every list the first value
// signs or encrypts and later values only verify, which is how Ory rotates
// (in the Oathkeeper JWKS the last key signs: see appendKey).
type File struct {
	APIVersion string     `yaml:"apiVersion" json:"apiVersion"`
	Kind       string     `yaml:"kind" json:"kind"`
	Kratos     Kratos     `yaml:"kratos,omitempty" json:"kratos,omitempty"`
	Hydra      Hydra      `yaml:"hydra,omitempty" json:"hydra,omitempty"`
	UI         UI         `yaml:"ui,omitempty" json:"ui,omitempty"`
	Oathkeeper Oathkeeper `yaml:"oathkeeper,omitempty" json:"oathkeeper,omitempty"`
	// Rotated records when each kind was last rotated (RFC 3339, UTC), so
	// that prune keeps the older values until every session and token
	// made with them has expired.
	Rotated map[string]string `yaml:"rotated,omitempty" json:"rotated,omitempty"`
}

// Kratos holds secrets.default, secrets.cookie and secrets.cipher.
type Kratos struct {
	Default []string `yaml:"default,omitempty" json:"default,omitempty"`
	Cookie  []string `yaml:"cookie,omitempty" json:"cookie,omitempty"`
	Cipher  []string `yaml:"cipher,omitempty" json:"cipher,omitempty"`
}

// Hydra holds secrets.system and secrets.cookie, and the API key Hydra
// sends to the token hook (oauth2.token_hook.auth).
type Hydra struct {
	System       []string `yaml:"system,omitempty" json:"system,omitempty"`
	Cookie       []string `yaml:"cookie,omitempty" json:"cookie,omitempty"`
	TokenHookKey string   `yaml:"tokenHookKey,omitempty" json:"tokenHookKey,omitempty"`
}

// UI holds the self-service UI's secrets: CSRFCookie keys the built-in
// UI's own cookie; Cookie is read only by Ory's UI (spec.ui.implementation:
// ory, as COOKIE_SECRET) and is kept filled so that switching to it needs
// no new secret.
type UI struct {
	Cookie     string `yaml:"cookie,omitempty" json:"cookie,omitempty"`
	CSRFCookie string `yaml:"csrfCookie,omitempty" json:"csrfCookie,omitempty"`
}

// Oathkeeper holds the id_token signing keys and the gateway's master
// secret.
type Oathkeeper struct {
	// JWKS is a JSON Web Key Set with private keys; the last key signs
	// (Oathkeeper v0.40.9), the others are published for verification.
	JWKS string `yaml:"jwks,omitempty" json:"jwks,omitempty"`
	// HeaderSecret is the master secret every headers-mode upstream's own
	// gateway secret is derived from (render.UpstreamSecret: no upstream
	// sees this value, only its own derivation, so one upstream cannot
	// impersonate users to another).
	HeaderSecret string `yaml:"headerSecret,omitempty" json:"headerSecret,omitempty"`
}

// ErrNotFound reports a missing secrets file.
var ErrNotFound = errors.New("secrets file not found")

// Load reads and validates a secrets file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if err != nil {
		return nil, fmt.Errorf("could not read secrets: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates secrets held in memory.
func Parse(file string, data []byte) (*File, error) {
	f := &File{}
	pos, err := profile.DecodeStrict(file, data, f)
	if err != nil {
		return nil, err
	}
	var errs profile.ErrorList
	add := func(path, hint, format string, args ...any) {
		errs = append(errs, &profile.FieldError{File: file, Pos: pos.Of(path), Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint})
	}
	if f.APIVersion != profile.APIVersion {
		add("apiVersion", "use "+profile.APIVersion, "unsupported apiVersion %q", f.APIVersion)
	}
	if f.Kind != Kind {
		add("kind", "use "+Kind, "unsupported kind %q", f.Kind)
	}
	checkList := func(path string, list []string, min, exact int) {
		for i, v := range list {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case exact > 0 && len(v) != exact:
				add(p, fmt.Sprintf("Ory requires exactly %d characters; run authctl secrets generate for a new one", exact), "secret has %d characters", len(v))
			case len(v) < min:
				add(p, fmt.Sprintf("Ory requires at least %d characters", min), "secret has %d characters", len(v))
			}
		}
	}
	checkList("kratos.default", f.Kratos.Default, 16, 0)
	checkList("kratos.cookie", f.Kratos.Cookie, 16, 0)
	checkList("kratos.cipher", f.Kratos.Cipher, 0, 32)
	checkList("hydra.system", f.Hydra.System, 16, 0)
	checkList("hydra.cookie", f.Hydra.Cookie, 16, 0)
	if v := f.Hydra.TokenHookKey; v != "" && len(v) < 16 {
		add("hydra.tokenHookKey", "use at least 16 characters; run authctl secrets generate for a new one", "secret has %d characters", len(v))
	}
	if v := f.UI.Cookie; v != "" && len(v) < 16 {
		add("ui.cookie", "use at least 16 characters", "secret has %d characters", len(v))
	}
	if v := f.UI.CSRFCookie; v != "" && len(v) < 16 {
		add("ui.csrfCookie", "use at least 16 characters", "secret has %d characters", len(v))
	}
	for _, k := range slices.Sorted(maps.Keys(f.Rotated)) {
		if !slices.Contains(RotatableNames(), k) {
			add("rotated."+k, "remove it; authctl records rotations itself", "unknown secret %q", k)
		} else if _, err := time.Parse(time.RFC3339, f.Rotated[k]); err != nil {
			add("rotated."+k, "use an RFC 3339 time such as 2026-12-06T10:00:00Z", "invalid time %q", f.Rotated[k])
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Generator fills missing secrets. Rand is crypto/rand.Reader unless a test
// injects a deterministic reader.
type Generator struct {
	Rand io.Reader
}

func (g Generator) random(n int) (string, error) {
	r := g.Rand
	if r == nil {
		r = rand.Reader
	}
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		v, err := rand.Int(r, max)
		if err != nil {
			return "", fmt.Errorf("could not read random bytes: %w", err)
		}
		out[i] = alphabet[v.Int64()]
	}
	return string(out), nil
}

// Fill generates every secret that is missing in f and reports how many it
// created. Existing values are never changed.
func (g Generator) Fill(f *File) (int, error) {
	f.APIVersion, f.Kind = profile.APIVersion, Kind
	created := 0
	var err error
	one := func(dst *string, n int) {
		if err != nil || *dst != "" {
			return
		}
		*dst, err = g.random(n)
		created++
	}
	list := func(dst *[]string, n int) {
		if err != nil || len(*dst) > 0 {
			return
		}
		var v string
		one(&v, n)
		*dst = []string{v}
	}
	list(&f.Kratos.Default, 32)
	list(&f.Kratos.Cookie, 32)
	list(&f.Kratos.Cipher, 32)
	list(&f.Hydra.System, 32)
	list(&f.Hydra.Cookie, 32)
	one(&f.Hydra.TokenHookKey, 32)
	one(&f.UI.Cookie, 32)
	one(&f.UI.CSRFCookie, 32)
	one(&f.Oathkeeper.HeaderSecret, 32)
	if err == nil && f.Oathkeeper.JWKS == "" {
		f.Oathkeeper.JWKS, err = GenerateJWKS(g.Rand)
		created++
	}
	if err != nil {
		return 0, err
	}
	return created, nil
}

// FillFile is the operation behind `authctl secrets generate`: it loads
// the secrets file at path (none yet: an empty one), generates what is
// missing and saves it when anything was added. Existing values are never
// changed, so it is safe to run again.
func (g Generator) FillFile(path string) (added int, err error) {
	f, err := Load(path)
	if errors.Is(err, ErrNotFound) {
		f, err = &File{}, nil
	}
	if err != nil {
		return 0, err
	}
	if added, err = g.Fill(f); err != nil || added == 0 {
		return 0, err
	}
	if err := f.Save(path); err != nil {
		return 0, err
	}
	return added, nil
}

// Marshal renders the file with a warning header.
func (f *File) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# authctl secrets: generated with crypto/rand. Keep this file private and out of git.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	// yaml.v3 does not read every string back as written (a value that
	// starts with blank lines loses one; FuzzParse found it). A secrets
	// file is rewritten in place, so refuse rather than change a secret.
	var back File
	if err := yaml.Unmarshal(buf.Bytes(), &back); err != nil {
		return nil, fmt.Errorf("the secrets cannot be written faithfully: %w", err)
	}
	if a, b := jsonOf(f), jsonOf(&back); !bytes.Equal(a, b) {
		return nil, errors.New("the secrets cannot be written faithfully: a value would read back different (leading blank lines?)")
	}
	return buf.Bytes(), nil
}

// jsonOf is a canonical form of a File for comparison: omitempty makes an
// empty list and a missing one equal, as they are to Ory.
func jsonOf(f *File) []byte {
	b, _ := json.Marshal(f)
	return b
}

// Save writes the file atomically with mode 0600 and makes sure git ignores
// the directory it lives in.
func (f *File) Save(path string) error {
	data, err := f.Marshal()
	if err != nil {
		return fmt.Errorf("could not encode secrets: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("could not create %s: %w", dir, err)
	}
	ignore := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(ignore); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(ignore, []byte("# written by authctl: secrets never go to git\n*\n"), 0o644); err != nil {
			return fmt.Errorf("could not write %s: %w", ignore, err)
		}
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("could not write %s: %w", path, err)
	}
	return nil
}
