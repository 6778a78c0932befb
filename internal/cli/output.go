package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// -o/--output means one thing on every command that prints data: the
// format of stdout. Each command has one human format ("text", or "table"
// for lists), which is also what an empty value means, plus json and yaml.
const (
	outputText  = "text"
	outputTable = "table"
	outputJSON  = "json"
	outputYAML  = "yaml"
)

// addOutputFlag registers a command's -o/--output; human is its human
// format (outputText or outputTable).
func addOutputFlag(cmd *cobra.Command, p *string, human string) {
	cmd.Flags().StringVarP(p, "output", "o", "", "output format: "+human+" (default), json or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{human, outputJSON, outputYAML}, cobra.ShellCompDirectiveNoFileComp))
}

// checkOutput rejects an -o value the command does not print.
func checkOutput(value, human string) error {
	switch value {
	case "", human, outputJSON, outputYAML:
		return nil
	}
	return flagErrorf("unknown -o/--output %q (allowed: %s)", value, strings.Join([]string{human, outputJSON, outputYAML}, ", "))
}

// isDataFormat reports whether -o asks for JSON or YAML.
func isDataFormat(value string) bool { return value == outputJSON || value == outputYAML }

// printData writes v as JSON or YAML to w; the one printer behind every
// -o json/yaml. HTML characters stay as they are: "<id>" in a rule URL
// must not become "\u003cid\u003e".
func printData(w io.Writer, format string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := buf.Bytes()
	if format == outputYAML {
		var err error
		if b, err = yaml.JSONToYAML(b); err != nil {
			return err
		}
	}
	_, err := w.Write(b)
	return err
}
