package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks a YAML node tree against a Go type. It rejects unknown
// fields, wrong kinds and values outside an enum, recording the position of
// every field so later validation can point at the right line and column.
type decoder struct {
	file      string
	errs      ErrorList
	positions Positions
	// budget is how many more nodes walk may visit; see walkBudget.
	budget int
}

// walkBudget bounds the nodes walk visits for an input of size bytes.
// Aliases make the node tree a graph: a list of aliases to a mapping that
// holds a long list expands quadratically, and an 83 KB profile made walk
// visit 9 million nodes (12 s) before yaml.v3's own "excessive aliasing"
// check could run. Without aliases a document has fewer nodes than bytes,
// so the budget only stops heavy alias expansion.
func walkBudget(size int) int { return 10_000 + 2*size }

// DecodeStrict decodes YAML into out (a pointer to a struct) strictly and
// returns the positions of every field path. Errors are an ErrorList.
func DecodeStrict(file string, data []byte, out any) (Positions, error) {
	d := &decoder{file: file, positions: Positions{}, budget: walkBudget(len(data))}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrorList{{File: file, Msg: "the file is empty", Hint: "expected a YAML mapping with apiVersion, kind, metadata and spec"}}
		}
		return nil, ErrorList{yamlSyntaxError(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, ErrorList{{File: file, Pos: Pos{extra.Line, extra.Column}, Msg: "more than one YAML document", Hint: "put one profile in each file"}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.walk(root, reflect.TypeOf(out).Elem(), "")
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	if err := root.Decode(out); err != nil {
		return nil, ErrorList{yamlSyntaxError(file, err)}
	}
	return d.positions, nil
}

// yamlSyntaxError turns a yaml.v3 message ("yaml: line 3: ...") into a FieldError.
func yamlSyntaxError(file string, err error) *FieldError {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	fe := &FieldError{File: file, Msg: msg, Hint: "fix the YAML syntax"}
	if strings.HasPrefix(msg, "line ") {
		rest := strings.TrimPrefix(msg, "line ")
		if i := strings.Index(rest, ":"); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				fe.Pos = Pos{Line: n, Col: 1}
				fe.Msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return fe
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
	n = unalias(n)
	if d.budget--; d.budget < 0 {
		if d.budget == -1 {
			d.fail(n, path, "write the values out or use fewer aliases", "document contains excessive aliasing")
		}
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
				d.fail(k, p, didYouMean(n, i, fields, path, k.Value)+"allowed fields: "+strings.Join(slices.Sorted(maps.Keys(fields)), ", "), "unknown field %q", k.Value)
				continue
			}
			d.positions[p] = Pos{k.Line, k.Column}
			before := len(d.errs)
			d.walk(v, f.Type, p)
			d.positions[p] = Pos{v.Line, v.Column}
			if len(d.errs) == before {
				d.checkEnum(v, f, p)
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

// checkEnum applies the jsonschema enum tag of a field to scalar values and
// list items, so the schema and the loader share one list of allowed values.
// Aliases are followed, like walk follows them: an enum set through an
// alias (accessTokenStrategy: *x) was accepted unchecked.
func (d *decoder) checkEnum(n *yaml.Node, f reflect.StructField, path string) {
	allowed := enumValues(f)
	if len(allowed) == 0 {
		return
	}
	n = unalias(n)
	check := func(v *yaml.Node, p string) {
		v = unalias(v)
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return
		}
		for _, a := range allowed {
			if v.Value == a {
				return
			}
		}
		d.fail(v, p, "allowed: "+strings.Join(allowed, ", "), "unknown value %q", v.Value)
	}
	if n.Kind == yaml.SequenceNode {
		for i, item := range n.Content {
			check(item, fmt.Sprintf("%s[%d]", path, i))
		}
		return
	}
	check(n, path)
}

// unalias returns the node an alias refers to.
func unalias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func enumValues(f reflect.StructField) []string {
	var out []string
	for _, part := range strings.Split(f.Tag.Get("jsonschema"), ",") {
		if v, ok := strings.CutPrefix(part, "enum="); ok {
			out = append(out, v)
		}
	}
	return out
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
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

// didYouMean suggests what an unknown field at n.Content[i] was meant to
// be: a field of the empty key just above it (an outdented line, as in
// "gateway:" followed by "target:" at the same indentation), or a close
// spelling of an allowed field. It returns "" or a hint ending in "; ".
func didYouMean(n *yaml.Node, i int, fields map[string]reflect.StructField, path, name string) string {
	if i >= 2 {
		prevKey, prevVal := n.Content[i-2], n.Content[i-1]
		if f, ok := fields[prevKey.Value]; ok && prevVal.Tag == "!!null" {
			t := f.Type
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			if t.Kind() == reflect.Struct {
				if _, ok := yamlFields(t)[name]; ok {
					return fmt.Sprintf("did you mean %s? indent it under %s:; ", join(join(path, prevKey.Value), name), prevKey.Value)
				}
			}
		}
	}
	best, bestDist := "", 3
	for f := range fields {
		if d := editDistance(strings.ToLower(name), strings.ToLower(f)); d < bestDist || d == bestDist && f < best {
			best, bestDist = f, d
		}
	}
	if best != "" && bestDist <= 2 {
		return fmt.Sprintf("did you mean %q? ", best)
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
