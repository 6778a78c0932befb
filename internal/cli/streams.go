package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the command's standard streams. Data goes to Out,
// everything else (progress, hints, warnings) to ErrOut.
//
// Whether a stream is a terminal is data the streams carry: asked of the
// file descriptor unless a test (or an embedding program) has set it with
// SetStdinTTY, SetStdoutTTY or SetStderrTTY, as cli/cli's iostreams do.
// Every TTY decision of the commands reads these methods.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// nil: ask the file descriptor.
	stdinTTY, stdoutTTY, stderrTTY *bool
}

// SystemStreams returns the process's streams.
func SystemStreams() IOStreams {
	return IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// SetStdinTTY overrides whether In counts as a terminal.
func (s *IOStreams) SetStdinTTY(isTTY bool) { s.stdinTTY = &isTTY }

// SetStdoutTTY overrides whether Out counts as a terminal.
func (s *IOStreams) SetStdoutTTY(isTTY bool) { s.stdoutTTY = &isTTY }

// SetStderrTTY overrides whether ErrOut counts as a terminal.
func (s *IOStreams) SetStderrTTY(isTTY bool) { s.stderrTTY = &isTTY }

// IsStdinTTY reports whether In is a terminal.
func (s IOStreams) IsStdinTTY() bool { return isTTY(s.stdinTTY, s.In) }

// IsStdoutTTY reports whether Out is a terminal.
func (s IOStreams) IsStdoutTTY() bool { return isTTY(s.stdoutTTY, s.Out) }

// IsStderrTTY reports whether ErrOut is a terminal (progress bars and live
// views draw there).
func (s IOStreams) IsStderrTTY() bool { return isTTY(s.stderrTTY, s.ErrOut) }

// CanPrompt reports whether a person can answer a question: stdin to read
// the answer from and stderr to ask on are both terminals.
func (s IOStreams) CanPrompt() bool { return s.IsStdinTTY() && s.IsStderrTTY() }

// ColorStdout and ColorStderr report whether ANSI colour may be written to
// the stream: a terminal, and NO_COLOR unset.
func (s IOStreams) ColorStdout() bool { return colorAllowed() && s.IsStdoutTTY() }

// ColorStderr: see ColorStdout.
func (s IOStreams) ColorStderr() bool { return colorAllowed() && s.IsStderrTTY() }

func colorAllowed() bool {
	_, set := os.LookupEnv("NO_COLOR")
	return !set
}

func isTTY(override *bool, stream any) bool {
	if override != nil {
		return *override
	}
	f, ok := stream.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
