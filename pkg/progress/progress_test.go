package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/muesli/termenv"
)

func TestStats(t *testing.T) {
	cases := []struct {
		s    Stats
		want string
	}{
		{Stats{Phase: "identities", Done: 500, Total: 2000, Elapsed: time.Second}, "identities: 500/2000 (25%), 500/s, eta 3s"},
		{Stats{Phase: "listing", Done: 10, Elapsed: 2 * time.Second}, "listing: 10, 5/s"},
		{Stats{Phase: "x", Done: 0, Total: 10}, "x: 0/10 (0%), 0/s"},
	}
	for _, tc := range cases {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPlainWritesPeriodicAndFinalLines(t *testing.T) {
	var out syncBuf
	p := NewPlain(&out, 10*time.Millisecond)
	p.Start("identities", 4)
	p.Add(2)
	time.Sleep(35 * time.Millisecond)
	p.Add(2)
	p.Close()
	s := out.String()
	if !strings.Contains(s, "identities: 2/4 (50%)") || !strings.Contains(s, "identities: 4 done in") {
		t.Fatalf("output:\n%s", s)
	}
	if strings.Contains(s, "\x1b[") {
		t.Fatal("plain output contains escape sequences")
	}
}

func TestRenderLineWithoutColour(t *testing.T) {
	bar := progress.New(progress.WithWidth(10), progress.WithColorProfile(termenv.Ascii), progress.WithFillCharacters('#', '.'))
	line := renderLine(bar, Stats{Phase: "identities", Done: 1000, Total: 2000, Elapsed: time.Second})
	if strings.Contains(line, "\x1b[") {
		t.Fatalf("NO_COLOR bar has escape sequences: %q", line)
	}
	for _, want := range []string{"###..", "1000/2000", "1000/s", "eta 1s"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
}

func TestTUIStartsAndStopsWithoutATerminal(t *testing.T) {
	var out syncBuf
	done := make(chan struct{})
	go func() {
		defer close(done)
		tui := NewTUI(&out, false)
		tui.Start("identities", 10)
		tui.Add(10)
		time.Sleep(150 * time.Millisecond)
		tui.Close()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the TUI did not stop")
	}
	if !strings.Contains(out.String(), "identities: 10 done in") {
		t.Errorf("no final line in %q", out.String())
	}
}
