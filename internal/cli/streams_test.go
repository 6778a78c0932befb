package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/progress"
)

func bufferStreams() (IOStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, &out, &errOut
}

func TestStreamsTerminalOverride(t *testing.T) {
	s, _, _ := bufferStreams()
	if s.IsStdinTTY() || s.IsStdoutTTY() || s.IsStderrTTY() || s.CanPrompt() || s.ColorStdout() {
		t.Fatal("buffers are not terminals")
	}
	s.SetStdinTTY(true)
	if s.CanPrompt() {
		t.Error("CanPrompt without a terminal on stderr to ask on")
	}
	s.SetStderrTTY(true)
	if !s.CanPrompt() {
		t.Error("CanPrompt with stdin and stderr terminals")
	}
	s.SetStdoutTTY(true)
	if !s.ColorStdout() || !s.ColorStderr() {
		t.Error("colour on terminals without NO_COLOR")
	}
	t.Setenv("NO_COLOR", "")
	if s.ColorStdout() || s.ColorStderr() {
		t.Error("NO_COLOR set (even empty) turns colour off")
	}
	s.SetStdoutTTY(false)
	if s.IsStdoutTTY() {
		t.Error("the override turns a terminal off too")
	}
}

// TestInitPromptsOnlyWhenAPersonCanAnswer reaches init's interactive
// decision through the terminal override.
func TestInitPromptsOnlyWhenAPersonCanAnswer(t *testing.T) {
	for name, tc := range map[string]struct {
		stdin, stderr, want bool
	}{"both terminals": {true, true, true}, "stdin only": {true, false, false}, "stderr only": {false, true, false}} {
		t.Run(name, func(t *testing.T) {
			s, _, _ := bufferStreams()
			s.SetStdinTTY(tc.stdin)
			s.SetStderrTTY(tc.stderr)
			var got *InitOptions
			cmd := newInitCommand(s, func(o *InitOptions) error { got = o; return nil })
			cmd.SetArgs([]string{"--defaults"})
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got.Interactive != tc.want {
				t.Fatalf("Interactive = %v, want %v", got.Interactive, tc.want)
			}
		})
	}
}

// TestBootstrapProgressFollowsTheTerminal: --progress auto draws the bar on
// a terminal and plain lines otherwise.
func TestBootstrapProgressFollowsTheTerminal(t *testing.T) {
	s, _, _ := bufferStreams()
	if _, ok := newReporter(s, "auto").(*progress.Plain); !ok {
		t.Error("auto without a terminal: want plain lines")
	}
	if _, ok := newReporter(s, "none").(progress.Nop); !ok {
		t.Error("none: want no progress")
	}
	s.SetStderrTTY(true)
	rep := newReporter(s, "auto")
	defer rep.Close()
	if _, ok := rep.(*progress.TUI); !ok {
		t.Errorf("auto on a terminal: want the bar, got %T", rep)
	}
}

// TestDoctorColoursOnlyATerminal runs doctor's text report with stdout
// told it is a terminal, then with NO_COLOR.
func TestDoctorColoursOnlyATerminal(t *testing.T) {
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) }))
	defer ready.Close()
	run := func(tty bool) string {
		s, out, _ := bufferStreams()
		s.SetStdoutTTY(tty)
		o := doctorThroughForwards(ready.URL, ready.URL, outputText)
		cmd := newDoctorCommand(NewFactory(s), nil)
		cmd.SetContext(context.Background())
		_ = runDoctor(cmd, s, o)
		return out.String()
	}
	if got := run(false); strings.Contains(got, "\x1b[") || got == "" {
		t.Errorf("not a terminal: want a plain report, got %q", got)
	}
	if got := run(true); !strings.Contains(got, "\x1b[") {
		t.Errorf("a terminal: want colour, got %q", got)
	}
	t.Setenv("NO_COLOR", "1")
	if got := run(true); strings.Contains(got, "\x1b[") {
		t.Errorf("NO_COLOR: want no colour, got %q", got)
	}
}
