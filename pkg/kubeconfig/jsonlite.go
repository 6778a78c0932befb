package kubeconfig

import (
	"errors"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The cache-hit path runs once per kubectl request in a fresh process,
// where encoding/json's first use of each type (reflection, encoder and
// decoder caches) costs more than everything else the plugin does. So the
// few small documents of that path are written and read here by hand:
// the writers produce encoding/json's bytes exactly (tests compare them on
// every case), and the readers accept only what authctl and kubectl write,
// reporting anything else as not understood, so that the caller falls
// back to encoding/json (the full get-token).

var errNotLite = errors.New("not understood by the cache-hit reader")

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json encodes a string (HTML
// characters escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONStrings appends a JSON array of strings.
func appendJSONStrings(b []byte, l []string) []byte {
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

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

// parseExecInfoLite reads KUBERNETES_EXEC_INFO as ParseExecInfo does, for
// the documents kubectl sends; errNotLite means "ask ParseExecInfo".
func parseExecInfoLite(env string) (*ExecInfo, error) {
	if env == "" {
		return nil, nil
	}
	r := &liteReader{b: []byte(env)}
	var ei ExecInfo
	err := r.object(func(k string) error {
		switch k {
		case "apiVersion":
			s, err := r.str()
			ei.APIVersion = s
			return err
		case "spec":
			return r.object(func(k string) error {
				if k == "interactive" {
					b, err := r.boolean()
					ei.Spec.Interactive = b
					return err
				}
				if !isLowerASCII(k) {
					return errNotLite // encoding/json matches keys case-insensitively
				}
				return r.skip()
			})
		}
		if !isLowerASCII(k) {
			return errNotLite
		}
		return r.skip()
	})
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return nil, errNotLite
	}
	switch ei.APIVersion {
	case ExecAPIv1, ExecAPIv1beta1:
		return &ei, nil
	case "":
		ei.APIVersion = ExecAPIv1
		return &ei, nil
	}
	return nil, errNotLite
}

// isLowerASCII reports keys that can match no field of a struct but their
// own spelling: a key that differs from a field name only in case would be
// that field for encoding/json.
func isLowerASCII(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// decodeTokenSetLite reads a cache entry as authctl writes it (every field
// a string, expiry in RFC 3339); errNotLite for anything else.
func decodeTokenSetLite(data []byte) (*TokenSet, error) {
	r := &liteReader{b: data}
	var t TokenSet
	err := r.object(func(k string) error {
		s, err := r.str()
		if err != nil {
			return err
		}
		switch k {
		case "token":
			t.Token = s
		case "id_token":
			t.IDToken = s
		case "refresh_token":
			t.RefreshToken = s
		case "issuer":
			t.Issuer = s
		case "client_id":
			t.ClientID = s
		case "expiry":
			// Only the spelling time.Time's MarshalJSON writes.
			e, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || e.Format(time.RFC3339Nano) != s {
				return errNotLite
			}
			t.Expiry = e
		default:
			return errNotLite
		}
		return nil
	})
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return nil, errNotLite
	}
	return &t, nil
}
