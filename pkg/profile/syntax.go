package profile

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
)

// yamlSyntaxError turns a yaml.v3 syntax error ("yaml: line 3: ...") into a
// FieldError at the line and column of the problem.
//
// yaml.v3 gives a line only, and for parser errors ("did not find expected
// ...") it is the 0-based line of the construct being parsed (the opening
// bracket of an unclosed flow list, say), one less than the 1-based line a
// person counts. So the position is worked out again: an unclosed bracket
// is named where it opens; a key indented too far is named at its colon;
// a tab where it is; anything else where goccy/go-yaml, a second parser
// used only on this error path, finds the offending token.
func yamlSyntaxError(file string, data []byte, err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	fe := &FieldError{File: file, Msg: msg, Hint: "fix the YAML syntax"}
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				line = n
				fe.Msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	if line == 0 {
		return fe
	}
	fe.Pos = Pos{Line: line, Col: 1}
	parserError := strings.HasPrefix(fe.Msg, "did not find expected")
	// A tab is named first: YAML never indents with tabs, and yaml.v3's
	// "found character that cannot start any token" does not say which
	// character it found. It reports the tab's line or the one after.
	for _, ln := range []int{line, line - 1, line + 1} {
		if col := tabColumn(data, ln); col > 0 && (ln <= line || parserError) {
			fe.Pos = Pos{Line: ln, Col: col}
			fe.Msg = "found a tab character"
			fe.Hint = "YAML indents with spaces only; replace the tab with spaces"
			return fe
		}
	}
	switch {
	case fe.Msg == "did not find expected ',' or ']'" || fe.Msg == "did not find expected ',' or '}'":
		open, closer := byte('['), "]"
		if strings.HasSuffix(fe.Msg, "'}'") {
			open, closer = '{', "}"
		}
		// The context mark is the opening bracket's 0-based line.
		if col := unclosedColumn(lineOf(data, line+1), open); col > 0 {
			fe.Pos = Pos{Line: line + 1, Col: col}
			fe.Msg = "this " + string(open) + " is never closed (" + fe.Msg + ")"
			fe.Hint = "close it with " + closer + ", or write the items one per line in block style"
			return fe
		}
	case fe.Msg == "mapping values are not allowed in this context":
		// A scanner error: the line is right; the colon is the problem.
		if col := colonColumn(lineOf(data, line)); col > 0 {
			fe.Pos = Pos{Line: line, Col: col}
			fe.Hint = "a key is indented further than the keys beside it, or a value holding \": \" needs quotes"
			return fe
		}
	}
	if p, ok := goccyPosition(data); ok {
		fe.Pos = p
		if ln := lineOf(data, p.Line); fe.Msg == "found unexpected end of stream" && p.Col <= len(ln) && (ln[p.Col-1] == '"' || ln[p.Col-1] == '\'') {
			fe.Msg = "this " + string(ln[p.Col-1]) + " quote is never closed"
			fe.Hint = "close the quoted value on the same line"
		}
	} else if parserError {
		fe.Pos.Line = line + 1
	}
	if fe.Msg == "did not find expected key" || fe.Msg == "did not find expected '-' indicator" {
		fe.Hint = "check the indentation: the keys of one mapping (and the items of one list) start in the same column"
	}
	return fe
}

// goccyPosition is where goccy/go-yaml's parser stops on data, if it fails.
// A panic in it (it only ever sees input yaml.v3 already refused) leaves
// the position yaml.v3 gave.
func goccyPosition(data []byte) (p Pos, ok bool) {
	defer func() {
		if recover() != nil {
			p, ok = Pos{}, false
		}
	}()
	_, err := goccyparser.ParseBytes(data, 0)
	var se *goccy.SyntaxError
	if errors.As(err, &se) && se.Token != nil && se.Token.Position != nil && se.Token.Position.Line > 0 {
		return Pos{Line: se.Token.Position.Line, Col: se.Token.Position.Column}, true
	}
	return Pos{}, false
}

// lineOf returns the 1-based line of data, without its newline.
func lineOf(data []byte, line int) []byte {
	if line < 1 {
		return nil
	}
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return nil
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	return data
}

// tabColumn returns the 1-based column of the first tab on a 1-based line, or 0.
func tabColumn(data []byte, line int) int {
	return bytes.IndexByte(lineOf(data, line), '\t') + 1
}

// scanLine calls f for every byte of ln outside quotes and before a
// comment, with its 1-based column.
func scanLine(ln []byte, f func(c byte, col int)) {
	var quote byte
	for i := 0; i < len(ln); i++ {
		c := ln[i]
		switch {
		case quote == '\'' && c == '\'':
			if i+1 < len(ln) && ln[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			quote = 0
		case quote == '"' && c == '\\':
			i++
		case quote == '"' && c == '"':
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || ln[i-1] == ' '):
			return
		default:
			f(c, i+1)
		}
	}
}

// unclosedColumn is the column of the outermost opener on ln that the line
// does not close, or 0.
func unclosedColumn(ln []byte, open byte) int {
	var stack []int
	var kinds []byte
	scanLine(ln, func(c byte, col int) {
		switch c {
		case '[', '{':
			stack, kinds = append(stack, col), append(kinds, c)
		case ']', '}':
			if n := len(stack); n > 0 {
				stack, kinds = stack[:n-1], kinds[:n-1]
			}
		}
	})
	for i, k := range kinds {
		if k == open {
			return stack[i]
		}
	}
	return 0
}

// colonColumn is the column of the first mapping colon on ln (": " or a
// colon at the end), or 0.
func colonColumn(ln []byte) int {
	col := 0
	scanLine(ln, func(c byte, at int) {
		if col == 0 && c == ':' && (at == len(ln) || ln[at] == ' ') {
			col = at
		}
	})
	return col
}
