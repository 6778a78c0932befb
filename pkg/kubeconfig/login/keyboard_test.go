package login

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSplitKubectlCode: the code page's value, or its whole address, gives
// the state and the code; a bare code (kubelogin's out-of-band habit) and
// Hydra's error redirect are refused with what to do.
func TestSplitKubectlCode(t *testing.T) {
	for _, c := range []struct{ in, state, code, err string }{
		{"St4te-_x~ory_ac_abc.DEF\n", "St4te-_x", "ory_ac_abc.DEF", ""},
		{"  https://auth.example.com/kubectl/code?code=ory_ac_1.2&scope=openid&state=S  ", "S", "ory_ac_1.2", ""},
		{"ory_ac_abc.DEF", "", "", "STATE~CODE"},
		{"~ory_ac_abc.DEF", "", "", "STATE~CODE"},
		{"S~", "", "", "STATE~CODE"},
		{"https://auth.example.com/kubectl/code?error=access_denied&error_description=no&code=x", "", "", "access_denied: no"},
	} {
		state, code, err := SplitKubectlCode(c.in)
		if state != c.state || code != c.code || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%q: %q %q %v, want %q %q %q", c.in, state, code, err, c.state, c.code, c.err)
		}
	}
}

// TestReadCodeEndsWithTheLogin: a person who never pastes does not hold
// the lock forever: the login's deadline ends the read.
func TestReadCodeEndsWithTheLogin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	never, _ := neverReader()
	if _, err := readCode(ctx, never); err == nil {
		t.Fatal("read returned without input")
	}
	if got, err := readCode(context.Background(), strings.NewReader("S~C")); err != nil || got != "S~C" {
		t.Fatalf("a last line without newline: %q %v", got, err)
	}
}

type blocking struct{ ch chan struct{} }

func (b blocking) Read([]byte) (int, error) { <-b.ch; return 0, nil }

func neverReader() (blocking, func()) {
	b := blocking{ch: make(chan struct{})}
	return b, func() { close(b.ch) }
}
