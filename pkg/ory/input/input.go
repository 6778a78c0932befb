// Package input reads the bootstrap input files of authctl: identities and
// OAuth2 clients as YAML, JSON or NDJSON. NDJSON is streamed one line at a
// time, so files larger than memory work; YAML and JSON documents are parsed
// whole. Every item carries the file and line it came from, so that an error
// reported by a server much later can point back at the input.
package input

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Source is where an item was read from.
type Source struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// String formats the source as file:line.
func (s Source) String() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// Format is the syntax of an input file.
type Format string

// Input formats.
const (
	FormatYAML   Format = "yaml"
	FormatJSON   Format = "json"
	FormatNDJSON Format = "ndjson"
)

// DetectFormat picks the format from the file extension: .ndjson and .jsonl
// are NDJSON, .json is JSON, anything else is YAML.
func DetectFormat(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	case ".json":
		return FormatJSON
	default:
		return FormatYAML
	}
}

// Error is an input error at a source position.
type Error struct {
	Source Source
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Source, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// maxLine bounds one NDJSON line (an identity with a large traits object
// still fits comfortably).
const maxLine = 16 << 20

// each calls fn with the raw JSON of every item of the file at path. A YAML
// or JSON file holds either a list of items or a mapping whose key listKey
// holds that list. fn's error stops the walk and is returned unchanged.
func each(path, listKey string, fn func(raw []byte, src Source) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("could not open input: %w", err)
	}
	defer f.Close()
	if DetectFormat(path) == FormatNDJSON {
		return eachNDJSON(f, path, fn)
	}
	return eachDocument(f, path, listKey, fn)
}

func eachNDJSON(r io.Reader, path string, fn func([]byte, Source) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	line := 0
	for {
		b, err := readLine(br)
		if len(b) > 0 || err == nil {
			line++
			if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '#' {
				if ferr := fn(t, Source{File: path, Line: line}); ferr != nil {
					return ferr
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &Error{Source: Source{File: path, Line: line + 1}, Err: err}
		}
	}
}

// readLine reads one line of at most maxLine bytes without its newline.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(buf, "\r\n"), err
	}
}

func eachDocument(r io.Reader, path, listKey string, fn func([]byte, Source) error) error {
	dec := yaml.NewDecoder(r)
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		list, err := itemList(&doc, listKey)
		if err != nil {
			return &Error{Source: Source{File: path, Line: doc.Line}, Err: err}
		}
		for _, item := range list {
			src := Source{File: path, Line: item.Line}
			var v any
			if err := item.Decode(&v); err != nil {
				return &Error{Source: src, Err: err}
			}
			raw, err := json.Marshal(v)
			if err != nil {
				return &Error{Source: src, Err: err}
			}
			if err := fn(raw, src); err != nil {
				return err
			}
		}
	}
}

// itemList finds the item sequence of a document: the document itself or
// the value of listKey.
func itemList(doc *yaml.Node, listKey string) ([]*yaml.Node, error) {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return n.Content, nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == listKey {
				if n.Content[i+1].Kind != yaml.SequenceNode {
					return nil, fmt.Errorf("%q must be a list", listKey)
				}
				return n.Content[i+1].Content, nil
			}
		}
		return nil, fmt.Errorf("expected a list of items or a %q key", listKey)
	default:
		return nil, fmt.Errorf("expected a list of items or a %q key", listKey)
	}
}

// strictDecode decodes raw into v, rejecting unknown fields.
func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// Count returns the number of items in the file cheaply: for NDJSON it
// counts non-blank lines without decoding them. It is used for progress
// totals, so a wrong count on malformed input is harmless.
func Count(path, listKey string) (int, error) {
	if DetectFormat(path) != FormatNDJSON {
		n := 0
		err := each(path, listKey, func([]byte, Source) error { n++; return nil })
		return n, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("could not open input: %w", err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), maxLine)
	for sc.Scan() {
		if t := bytes.TrimSpace(sc.Bytes()); len(t) > 0 && t[0] != '#' {
			n++
		}
	}
	return n, sc.Err()
}
