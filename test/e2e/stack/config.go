package stack

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Rewrite is one change the harness made to a caller's config so that the
// server runs on loopback.
type Rewrite struct {
	Path string // dotted key path, e.g. serve.public.port
	Old  any    // nil when the key was not set
	New  any
}

func (r Rewrite) String() string {
	old := "(unset)"
	if r.Old != nil {
		old = fmt.Sprintf("%v", r.Old)
	}
	return fmt.Sprintf("%s: %s -> %v", r.Path, old, r.New)
}

// rewriter applies loopback rewrites to a deep copy of a config and records
// them.
type rewriter struct {
	cfg      map[string]any
	rewrites []Rewrite
}

func newRewriter(cfg map[string]any) *rewriter {
	c, _ := deepCopy(cfg).(map[string]any)
	if c == nil {
		c = map[string]any{}
	}
	return &rewriter{cfg: c}
}

// get returns the value at a dotted path, or nil.
func (r *rewriter) get(path string) any {
	var cur any = r.cfg
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// has reports whether a dotted path is set (possibly to null).
func (r *rewriter) has(path string) bool {
	keys := strings.Split(path, ".")
	var cur any = r.cfg
	for i, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		v, ok := m[k]
		if !ok {
			return false
		}
		if i == len(keys)-1 {
			return true
		}
		cur = v
	}
	return false
}

// set sets a dotted path, creating intermediate maps, and records the
// rewrite.
func (r *rewriter) set(path string, v any) {
	keys := strings.Split(path, ".")
	m := r.cfg
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	last := keys[len(keys)-1]
	r.rewrites = append(r.rewrites, Rewrite{Path: path, Old: m[last], New: v})
	m[last] = v
}

func (r *rewriter) strings() []string {
	out := make([]string, len(r.rewrites))
	for i, rw := range r.rewrites {
		out[i] = rw.String()
	}
	return out
}

// write marshals the rewritten config as YAML into dir/name.
func (r *rewriter) write(t testing.TB, dir, name string) string {
	t.Helper()
	data, err := yaml.Marshal(r.cfg)
	mustf(t, err, "marshalling %s", name)
	p := filepath.Join(dir, name)
	writeFile(t, p, data, 0o600)
	return p
}

// deepCopy copies maps and slices from YAML or JSON decoders, turning
// map[any]any (yaml.v2 style) into map[string]any.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	case []string:
		return append([]string(nil), x...)
	default:
		return v
	}
}

// ParseConfig decodes YAML or JSON into a map, for tests that hold a config
// as text (for example a ConfigMap data value).
func ParseConfig(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}
