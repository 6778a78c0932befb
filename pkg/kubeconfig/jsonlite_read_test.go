package kubeconfig

import (
	"encoding/json"
	"errors"
	"testing"
)

// The reader's strings decode as encoding/json's do, escapes and surrogate
// pairs included; what it does not understand (a lone surrogate, a
// duplicate key) is errNotLite, never a different value.
func TestLiteReaderStringsAndObjects(t *testing.T) {
	for _, doc := range []string{`"plain"`, `"a\"b\\c\/d\n\t\u00e9"`, `"\ud83d\ude42 smile"`} {
		r := &liteReader{b: []byte(doc)}
		got, err := r.str()
		var want string
		if jerr := json.Unmarshal([]byte(doc), &want); err != nil || jerr != nil || got != want {
			t.Errorf("%s: got %q %v, want %q", doc, got, err, want)
		}
	}
	if _, err := (&liteReader{b: []byte(`"\ud83d alone"`)}).str(); !errors.Is(err, errNotLite) {
		t.Errorf("lone surrogate: %v", err)
	}
	r := &liteReader{b: []byte(`{"a":1,"a":2}`)}
	err := r.object(func(string) error { return r.number() })
	if !errors.Is(err, errNotLite) {
		t.Errorf("duplicate key: %v", err)
	}
}
