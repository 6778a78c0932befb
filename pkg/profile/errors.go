package profile

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a source file, 1-based.
type Pos struct {
	Line, Col int
}

// FieldError is one problem in an input file, located at file:line:col.
type FieldError struct {
	File string
	Pos  Pos
	// Path is the field path, for example spec.kratos.methods[1].
	Path string
	Msg  string
	// Hint says what is allowed or what to do.
	Hint string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	file := e.File
	if file == "" {
		file = "<input>"
	}
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, "%s:%d:%d: ", file, e.Pos.Line, e.Pos.Col)
	} else {
		fmt.Fprintf(&b, "%s: ", file)
	}
	if e.Path != "" {
		fmt.Fprintf(&b, "%s: ", e.Path)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// ErrorList is every problem found in one input, sorted by position.
type ErrorList []*FieldError

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// sorted returns the list ordered by file, line and column, without duplicates.
func (l ErrorList) sorted() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		return a.Pos.Col < b.Pos.Col
	})
	out := l[:0]
	seen := map[string]bool{}
	for _, e := range l {
		k := e.Error()
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// Err returns nil for an empty list.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l.sorted()
}
