package cli

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// flagCase is one row of an argv → options table.
type flagCase[O any] struct {
	args    []string
	env     map[string]string
	want    O
	wantErr string
}

// runFlagCases parses each row's argv with the command's real flag set and
// Validate, capturing the options instead of running the command.
func runFlagCases[O any](t *testing.T, newCmd func(*Factory, func(*O) error) *cobra.Command, cases []flagCase[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var got O
			cmd := newCmd(NewFactory(IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}), func(o *O) error { got = *o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// onStreams adapts a command that takes only IOStreams to runFlagCases.
func onStreams[O any](newCmd func(IOStreams, func(*O) error) *cobra.Command) func(*Factory, func(*O) error) *cobra.Command {
	return func(f *Factory, runF func(*O) error) *cobra.Command { return newCmd(f.IOStreams, runF) }
}
