package kubeconfig

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// liteReader reads the JSON documents of the cache-hit path.
type liteReader struct {
	b []byte
	i int
}

func (r *liteReader) ws() {
	for r.i < len(r.b) && (r.b[r.i] == ' ' || r.b[r.i] == '\t' || r.b[r.i] == '\n' || r.b[r.i] == '\r') {
		r.i++
	}
}

func (r *liteReader) peek() byte {
	r.ws()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

func (r *liteReader) expect(c byte) error {
	if r.peek() != c {
		return errNotLite
	}
	r.i++
	return nil
}

// str reads a string, decoding escapes as encoding/json does; invalid
// UTF-8 and lone surrogates are not understood.
func (r *liteReader) str() (string, error) {
	if err := r.expect('"'); err != nil {
		return "", err
	}
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			s := string(r.b[start:r.i])
			r.i++
			return s, nil
		case c == '\\':
			return r.escaped(start)
		case c < 0x20:
			return "", errNotLite
		case c < utf8.RuneSelf:
			r.i++
		default:
			rn, size := utf8.DecodeRune(r.b[r.i:])
			if rn == utf8.RuneError && size == 1 {
				return "", errNotLite
			}
			r.i += size
		}
	}
	return "", errNotLite
}

// escaped finishes a string that holds a backslash.
func (r *liteReader) escaped(start int) (string, error) {
	out := append([]byte(nil), r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return string(out), nil
		case c == '\\':
			if r.i+1 >= len(r.b) {
				return "", errNotLite
			}
			e := r.b[r.i+1]
			r.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				rn, ok := r.hex4()
				if !ok {
					return "", errNotLite
				}
				if utf16.IsSurrogate(rn) {
					if r.i+1 >= len(r.b) || r.b[r.i] != '\\' || r.b[r.i+1] != 'u' {
						return "", errNotLite
					}
					r.i += 2
					lo, ok := r.hex4()
					if rn = utf16.DecodeRune(rn, lo); !ok || rn == utf8.RuneError {
						return "", errNotLite
					}
				}
				out = utf8.AppendRune(out, rn)
			default:
				return "", errNotLite
			}
		case c < 0x20:
			return "", errNotLite
		case c < utf8.RuneSelf:
			out = append(out, c)
			r.i++
		default:
			rn, size := utf8.DecodeRune(r.b[r.i:])
			if rn == utf8.RuneError && size == 1 {
				return "", errNotLite
			}
			out = append(out, r.b[r.i:r.i+size]...)
			r.i += size
		}
	}
	return "", errNotLite
}

func (r *liteReader) hex4() (rune, bool) {
	if r.i+4 > len(r.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(r.b[r.i:r.i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	r.i += 4
	return rune(n), true
}

// object calls field for each key; field reads (or skips) the value.
// Duplicate keys are not understood (encoding/json keeps the last).
func (r *liteReader) object(field func(key string) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	if r.peek() == '}' {
		r.i++
		return nil
	}
	for {
		k, err := r.str()
		if err != nil || seen[k] {
			return errNotLite
		}
		seen[k] = true
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return nil
		default:
			return errNotLite
		}
	}
}

// skip reads any value and drops it.
func (r *liteReader) skip() error {
	switch c := r.peek(); {
	case c == '"':
		_, err := r.str()
		return err
	case c == '{':
		return r.object(func(string) error { return r.skip() })
	case c == '[':
		r.i++
		if r.peek() == ']' {
			r.i++
			return nil
		}
		for {
			if err := r.skip(); err != nil {
				return err
			}
			switch r.peek() {
			case ',':
				r.i++
			case ']':
				r.i++
				return nil
			default:
				return errNotLite
			}
		}
	case c == 't', c == 'f', c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(r.b)-r.i >= len(lit) && string(r.b[r.i:r.i+len(lit)]) == lit {
				r.i += len(lit)
				return nil
			}
		}
		return errNotLite
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	}
	return errNotLite
}

// number reads a number as RFC 8259 spells it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *liteReader) number() error {
	digits := func() int {
		n := 0
		for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if r.i < len(r.b) && r.b[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i < len(r.b) && r.b[r.i] == '0':
		r.i++
	case digits() == 0:
		return errNotLite
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return errNotLite
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return errNotLite
		}
	}
	return nil
}

func (r *liteReader) boolean() (bool, error) {
	for _, lit := range []string{"true", "false"} {
		r.ws()
		if len(r.b)-r.i >= len(lit) && string(r.b[r.i:r.i+len(lit)]) == lit {
			r.i += len(lit)
			return lit == "true", nil
		}
	}
	return false, errNotLite
}

// end checks that nothing but white space follows the document.
func (r *liteReader) end() error {
	if r.ws(); r.i != len(r.b) {
		return errNotLite
	}
	return nil
}
