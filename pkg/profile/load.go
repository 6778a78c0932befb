package profile

import (
	"context"
	"fmt"
	"gopkg.in/yaml.v3"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DefaultMaxBytes is the default cap on a profile's size: a hundred times
// the largest real setup seen, and small enough that loading stays cheap.
const DefaultMaxBytes = 16 << 20

// LoadOptions bound what loading a profile may cost.
type LoadOptions struct {
	// MaxBytes caps the file's size (0: DefaultMaxBytes).
	MaxBytes int64
	// CheckIdentities also reads spec.bootstrap.identities, item by item,
	// as `authctl validate` does. The clients file is always read (the
	// browser clients' origins are part of the wiring), unless
	// SkipBootstrapInputs: `authctl bootstrap` reads both itself, with its
	// flags taking precedence over the profile's paths.
	CheckIdentities     bool
	SkipBootstrapInputs bool
}

func (o LoadOptions) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

// Load reads, decodes strictly, defaults and validates a profile file.
func Load(path string) (*Profile, error) {
	return LoadContext(context.Background(), path, LoadOptions{})
}

// LoadContext is Load with a size cap, giving up when ctx is done.
func LoadContext(ctx context.Context, path string, opts LoadOptions) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("could not read profile: %w", err)
	}
	defer f.Close()
	// Read one byte past the cap, so an oversized file is never read whole.
	data, err := io.ReadAll(io.LimitReader(f, opts.maxBytes()+1))
	if err != nil {
		return nil, fmt.Errorf("could not read profile: %w", err)
	}
	return ParseContext(ctx, path, filepath.Dir(path), data, opts)
}

// Parse decodes a profile held in memory. file names it in errors and dir is
// where relative paths (identity schema files, the secrets file) resolve.
func Parse(file, dir string, data []byte) (*Profile, error) {
	return ParseContext(context.Background(), file, dir, data, LoadOptions{})
}

// ParseContext is Parse with a size cap, giving up when ctx is done.
func ParseContext(ctx context.Context, file, dir string, data []byte, opts LoadOptions) (*Profile, error) {
	if max := opts.maxBytes(); int64(len(data)) > max {
		return nil, ErrorList{{File: file, Msg: fmt.Sprintf("the profile is larger than %d bytes", max),
			Hint: "raise the limit with --max-profile-size if the file really is this large"}}
	}
	p := &Profile{}
	pos, err := decodeStrict(ctx, file, data, p, func(root *yaml.Node) error { return notAProfile(file, root) })
	if err != nil {
		return nil, err
	}
	p.Source, p.Dir, p.positions = file, dir, pos
	p.applyDefaults()
	if err := p.validate(ctx, opts); err != nil {
		return nil, err
	}
	p.Resolve()
	return p, nil
}

// PositionOf returns where a field path was set, or the closest parent that was.
func (p *Profile) PositionOf(path string) Pos { return p.positions.Of(path) }

// Errorf builds a FieldError located at a field path of this profile.
func (p *Profile) Errorf(path, hint, format string, args ...any) *FieldError {
	return &FieldError{File: p.Source, Pos: p.PositionOf(path), Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// Positions maps field paths (spec.kratos.methods[1]) to where they were set.
type Positions map[string]Pos

// Of returns where a field path was set, or the closest parent that was.
func (ps Positions) Of(path string) Pos {
	for path != "" {
		if pos, ok := ps[path]; ok {
			return pos
		}
		path = parentPath(path)
	}
	return ps[""]
}

func parentPath(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case '.':
			return path[:i]
		case '[':
			return path[:i]
		}
	}
	return ""
}

// notAProfile refuses, with one error, a YAML document that says it is
// something else (a ConfigMap, a Deployment): field by field it would get
// an error for every line, none of them the real one.
func notAProfile(file string, root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	var apiVersion, kind *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "apiVersion":
			apiVersion = root.Content[i+1]
		case "kind":
			kind = root.Content[i+1]
		}
	}
	if kind == nil || kind.Value == "Profile" || apiVersion == nil || strings.HasPrefix(apiVersion.Value, "authctl.dev/") {
		return nil // a profile, perhaps with a mistake: the field errors say which
	}
	return ErrorList{{File: file, Pos: Pos{kind.Line, kind.Column}, Path: "kind",
		Msg:  fmt.Sprintf("not an authctl profile (kind %s, apiVersion %s)", kind.Value, apiVersion.Value),
		Hint: "a profile has apiVersion: " + APIVersion + " and kind: Profile; authctl init writes one"}}
}
