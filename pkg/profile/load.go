package profile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Load reads, decodes strictly, defaults and validates a profile file.
func Load(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read profile: %w", err)
	}
	dir := filepath.Dir(path)
	return Parse(path, dir, data)
}

// Parse decodes a profile held in memory. file names it in errors and dir is
// where relative paths (identity schema files, the secrets file) resolve.
func Parse(file, dir string, data []byte) (*Profile, error) {
	p := &Profile{}
	pos, err := DecodeStrict(file, data, p)
	if err != nil {
		return nil, err
	}
	p.Source, p.Dir, p.positions = file, dir, pos
	p.applyDefaults()
	if err := p.validate(); err != nil {
		return nil, err
	}
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
