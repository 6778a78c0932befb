package cli

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes, documented in docs/cli/exit-codes.md.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitCancelled = 2
	ExitAuth      = 4
)

// ExitError carries an exit code and an optional hint through the error chain.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withHint attaches a "try:" line printed under the error.
func withHint(err error, hint string) error {
	return &exitError{code: ExitError, err: err, hint: hint}
}

// reportedError marks an error whose report a command already wrote to
// stdout as data (validate -o json): MainWith prints it on stderr only.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

func reported(err error) error { return &reportedError{err: err} }

// errorReport is what -o json|yaml prints on stdout when a command fails
// without a report of its own, so a CI parser always gets data.
type errorReport struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	ExitCode int    `json:"exitCode"`
}

// printDataError writes err as an errorReport in format to w.
func printDataError(w io.Writer, format string, err error, code int) {
	d := errorDetail{Message: err.Error(), ExitCode: code}
	var ee *exitError
	if errors.As(err, &ee) {
		d.Hint = ee.hint
	}
	_ = printData(w, format, errorReport{Error: d})
}

// withCode attaches an exit code.
func withCode(err error, code int) error {
	return &exitError{code: code, err: err}
}

// hinted is an error of pkg/ that knows its fix (pkg/ never imports this
// package, so it cannot use withHint).
type hinted interface{ TryHint() string }

// flagError marks usage mistakes: only these print the usage line.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &flagError{err: fmt.Errorf(format, args...)}
}

// printError prints err once, with its hint, and returns the exit code.
func printError(w io.Writer, err error) int {
	code := ExitError
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintf(w, "error: %v\n", err)
	var h hinted
	switch {
	case ee != nil && ee.hint != "":
		fmt.Fprintf(w, "try: %s\n", ee.hint)
	case errors.As(err, &h) && h.TryHint() != "":
		fmt.Fprintf(w, "try: %s\n", h.TryHint())
	}
	return code
}
