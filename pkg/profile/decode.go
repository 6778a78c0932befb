package profile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// decoder walks a YAML node tree against a Go type. It rejects unknown
// fields, wrong kinds and values outside what the field's jsonschema tag
// allows (enum, minimum, maximum, pattern, maxLength), recording the
// position of every field so later validation can point at the right line
// and column. Aliases are followed within a budget, and the walk stops when
// its context is cancelled.
type decoder struct {
	ctx       context.Context
	file      string
	errs      ErrorList
	positions Positions
	// budget is how many more nodes the walk may visit; aliases spend it
	// again for every use, so a nested-alias bomb runs it out quickly.
	budget  int
	stopped error
	steps   int
}

// aliasAllowance is how many nodes alias expansion may add on top of twice
// the nodes written in the file: generous for anchors that share a block
// between services, far below what a nested-alias bomb needs.
const aliasAllowance = 10000

// DecodeStrict decodes YAML into out (a pointer to a struct) strictly and
// returns the positions of every field path. Errors are an ErrorList.
func DecodeStrict(file string, data []byte, out any) (Positions, error) {
	return DecodeStrictContext(context.Background(), file, data, out)
}

// DecodeStrictContext is DecodeStrict that gives up when ctx is done.
func DecodeStrictContext(ctx context.Context, file string, data []byte, out any) (Positions, error) {
	return decodeStrict(ctx, file, data, out, nil)
}

// decodeStrict is DecodeStrictContext with a look at the parsed document
// first: a non-nil error from check is returned as it is.
func decodeStrict(ctx context.Context, file string, data []byte, out any, check func(root *yaml.Node) error) (Positions, error) {
	d := &decoder{ctx: ctx, file: file, positions: Positions{}}
	doc, err := parseYAML(ctx, file, data)
	if err != nil {
		return nil, err
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if check != nil {
		if err := check(root); err != nil {
			return nil, err
		}
	}
	d.budget = 2*countNodes(root) + aliasAllowance
	d.walk(root, reflect.TypeOf(out).Elem(), "")
	if d.stopped != nil {
		return nil, d.stopped
	}
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	if err := root.Decode(out); err != nil {
		return nil, ErrorList{yamlSyntaxError(file, data, err)}
	}
	return d.positions, nil
}

// parseYAML parses one YAML document. The parser cannot be interrupted, so
// it runs on its own goroutine and the caller stops waiting when ctx is done.
func parseYAML(ctx context.Context, file string, data []byte) (*yaml.Node, error) {
	type result struct {
		doc *yaml.Node
		err error
	}
	done := make(chan result, 1)
	go func() {
		var doc yaml.Node
		dec := yaml.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				done <- result{err: ErrorList{{File: file, Msg: "the file is empty", Hint: "expected a YAML mapping with apiVersion, kind, metadata and spec"}}}
				return
			}
			done <- result{err: ErrorList{yamlSyntaxError(file, data, err)}}
			return
		}
		var extra yaml.Node
		if err := dec.Decode(&extra); err == nil {
			done <- result{err: ErrorList{{File: file, Pos: Pos{extra.Line, extra.Column}, Msg: "more than one YAML document", Hint: "put one profile in each file"}}}
			return
		}
		done <- result{doc: &doc}
	}()
	select {
	case r := <-done:
		return r.doc, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("could not load %s: %w", file, ctx.Err())
	}
}

// countNodes counts the nodes written in the document, not following aliases.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, x := range n.Content {
		c += countNodes(x)
	}
	return c
}

func (d *decoder) fail(n *yaml.Node, path, hint, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Pos: Pos{n.Line, n.Column}, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "null"
	}
	return fmt.Sprintf("%q", n.Value)
}

func (d *decoder) walk(n *yaml.Node, t reflect.Type, path string) {
	if d.stopped != nil {
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		d.stopped = ErrorList{{File: d.file, Pos: Pos{n.Line, n.Column}, Path: path, Msg: "aliases expand to too many nodes",
			Hint: "a profile may reuse an anchor, but its expansion must stay near the size of the file"}}
		return
	}
	if d.steps++; d.steps%1024 == 0 && d.ctx.Err() != nil {
		d.stopped = fmt.Errorf("could not load %s: %w", d.file, d.ctx.Err())
		return
	}
	d.positions[path] = Pos{n.Line, n.Column}
	if n.Tag == "!!null" {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "expected a mapping of fields", "got %s", kindName(n))
			return
		}
		fields := yamlFields(t)
		seen := map[string]bool{}
		// suggested are fields a misspelt key was taken for: their
		// "required field is missing" would repeat the same mistake.
		suggested := map[string]bool{}
		defer func() {
			// Fields without omitempty are the schema's "required" ones.
			for _, name := range requiredFields(t) {
				if !seen[name] && !suggested[name] {
					hint := requiredHints[withoutIndexes(join(path, name))]
					if hint == "" {
						hint = "the schema requires it here"
					}
					d.fail(n, join(path, name), hint, "required field is missing")
				}
			}
		}()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if seen[k.Value] {
				d.fail(k, p, "remove one of them", "field %q is set twice", k.Value)
				continue
			}
			seen[k.Value] = true
			f, ok := fields[k.Value]
			if !ok {
				names := slices.Sorted(maps.Keys(fields))
				hint := misplaced(n, i, fields, path, k.Value)
				if hint == "" {
					if best := closest(k.Value, names); best != "" {
						hint = fmt.Sprintf("did you mean %q? ", best)
						suggested[best] = true
					}
				}
				d.fail(k, p, hint+"allowed fields: "+strings.Join(names, ", "), "unknown field %q", k.Value)
				continue
			}
			d.positions[p] = Pos{k.Line, k.Column}
			before := len(d.errs)
			d.walk(v, f.Type, p)
			d.positions[p] = Pos{v.Line, v.Column}
			if len(d.errs) == before {
				d.checkLimits(v, f, p)
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "expected a list", "got %s", kindName(n))
			return
		}
		for i, item := range n.Content {
			d.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "expected a mapping", "got %s", kindName(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			d.walk(v, t.Elem(), join(path, k.Value))
		}
	case reflect.Interface:
		// any value is accepted
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected a string", "got %s", kindName(n))
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.fail(n, path, "expected true or false", "got %s", kindName(n))
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.fail(n, path, "expected a whole number", "got %s", kindName(n))
		}
	}
}

var fieldsCache sync.Map // reflect.Type → map[string]reflect.StructField

// requiredFields are a struct's YAML fields without omitempty: the fields
// the generated JSON Schema lists as required.
var requiredCache sync.Map // reflect.Type → []string

func requiredFields(t reflect.Type) []string {
	if v, ok := requiredCache.Load(t); ok {
		return v.([]string)
	}
	out := []string{}
	defer func() { requiredCache.Store(t, out) }()
	for name, f := range yamlFields(t) {
		if _, opts, _ := strings.Cut(f.Tag.Get("yaml"), ","); !strings.Contains(opts, "omitempty") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// yamlFields maps a struct's YAML field names to its fields (cached: the
// walk asks once per mapping node).
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	if v, ok := fieldsCache.Load(t); ok {
		return v.(map[string]reflect.StructField)
	}
	out := map[string]reflect.StructField{}
	defer fieldsCache.Store(t, out)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

// misplaced suggests where an unknown field at n.Content[i] belongs when the
// key just above it is an empty field whose type has it (an outdented line,
// as in "gateway:" followed by "target:" at the same indentation). It
// returns "" or a hint ending in "; ".
func misplaced(n *yaml.Node, i int, fields map[string]reflect.StructField, path, name string) string {
	if i < 2 {
		return ""
	}
	prevKey, prevVal := n.Content[i-2], n.Content[i-1]
	f, ok := fields[prevKey.Value]
	if !ok || prevVal.Tag != "!!null" {
		return ""
	}
	t := f.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	if _, ok := yamlFields(t)[name]; !ok {
		return ""
	}
	return fmt.Sprintf("did you mean %s? indent it under %s:; ", join(join(path, prevKey.Value), name), prevKey.Value)
}

// withoutIndexes drops list indexes from a field path ("[3]" → "[]"):
// requiredHints are keyed so.
func withoutIndexes(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
			b.WriteRune(r)
		case r == ']':
			skip = false
			b.WriteRune(r)
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// requiredHints say why a required field matters, where a bare "required"
// would leave the user guessing.
var requiredHints = map[string]string{
	"spec.domain": "the public hosts derive from it: add domain: example.com under spec",
	// Who may pass: the services' allow list has no default worth guessing.
	"spec.services[].allow": "who may pass, a list of: anonymous, session, bearer, jwt, oauth2_introspection; for example allow: [session]",
}
