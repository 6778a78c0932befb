package profile

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	pos, err := DecodeStrictContext(ctx, file, data, p)
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
