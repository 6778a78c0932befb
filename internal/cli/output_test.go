package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// TestOutputFlagMeansFormatEverywhere walks the command tree: every -o is
// --output, the output format, with the same values and the same error;
// render's folder is --output-dir, which has no shorthand.
func TestOutputFlagMeansFormatEverywhere(t *testing.T) {
	root := NewRootCommand(IOStreams{})
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		if f := c.Flags().ShorthandLookup("o"); f != nil {
			path := c.CommandPath()
			switch {
			case f.Name == "output":
				seen++
				if !strings.HasPrefix(f.Usage, "output format: ") || !strings.Contains(f.Usage, "json") {
					t.Errorf("%s: -o usage %q", path, f.Usage)
				}
			default:
				t.Errorf("%s: -o is --%s", path, f.Name)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if seen < 8 {
		t.Errorf("only %d commands have -o/--output", seen)
	}
	// The same error everywhere for a value the command does not print.
	for _, args := range [][]string{
		{"version", "-o", "xml"},
		{"validate", "-f", "p.yaml", "-o", "xml"},
		{"doctor", "-f", "p.yaml", "-o", "xml"},
		{"bootstrap", "-f", "p.yaml", "-o", "xml"},
		{"rules", "test", "-f", "p.yaml", "--url", "https://a/", "-o", "xml"},
		{"history", "-f", "p.yaml", "-o", "xml"},
	} {
		_, errOut, code := run(t, args...)
		if code != ExitError || !strings.Contains(errOut, `unknown -o/--output "xml" (allowed: `) {
			t.Errorf("%v: code %d, %q", args, code, errOut)
		}
	}
	for _, tc := range []struct {
		args []string
		err  error
	}{
		{[]string{"-f", "p.yaml", "-o", "text"}, (&DoctorOptions{ProfileFile: "p.yaml", Output: "text", Timeout: 1}).Validate()},
		{[]string{"history -o table"}, checkOutput("table", outputTable)},
		{[]string{"version -o text"}, checkOutput("text", outputText)},
	} {
		if tc.err != nil {
			t.Errorf("%v: %v", tc.args, tc.err)
		}
	}
}

func TestVersionOutputs(t *testing.T) {
	for _, format := range []string{"", "text", "json", "yaml"} {
		args := []string{"version"}
		if format != "" {
			args = append(args, "-o", format)
		}
		out, errOut, code := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
		var m map[string]string
		switch format {
		case "json":
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["commit"] == "" {
				t.Errorf("json: %v %q", err, out)
			}
		case "yaml":
			if err := yaml.Unmarshal([]byte(out), &m); err != nil || m["version"] == "" {
				t.Errorf("yaml: %v %q", err, out)
			}
		default:
			if !strings.HasPrefix(out, "authctl ") {
				t.Errorf("text: %q", out)
			}
		}
	}
}

// TestValidateJSON: structured problems on stdout, exit 1, one summary
// line on stderr; a valid profile prints valid: true.
func TestValidateJSON(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.yaml")
	os.WriteFile(file, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  kratos:\n    methods: [sms]\n"), 0o644)
	out, errOut, code := run(t, "validate", "-f", file, "-o", "json")
	var rep struct {
		File   string
		Valid  bool
		Errors []struct {
			File, Path, Message, Hint string
			Line, Col                 int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if code != ExitError || rep.Valid || len(rep.Errors) != 1 {
		t.Fatalf("code %d, report %+v", code, rep)
	}
	e := rep.Errors[0]
	if e.File != file || e.Line != 7 || e.Col != 15 || e.Path != "spec.kratos.methods[0]" || !strings.Contains(e.Message, `unknown value "sms"`) {
		t.Errorf("problem %+v", e)
	}
	if errOut != "error: "+file+" has 1 problem(s)\n" {
		t.Errorf("stderr %q", errOut)
	}
	good := writeProfile(t, dir)
	out, _, code = run(t, "validate", "-f", good, "-o", "yaml")
	if code != 0 || !strings.Contains(out, "valid: true") || !strings.Contains(out, "errors: []") {
		t.Errorf("code %d\n%s", code, out)
	}
}

// TestRulesJSONKeepsAngleBrackets: -o json must not escape < and >.
func TestRulesJSONKeepsAngleBrackets(t *testing.T) {
	var b strings.Builder
	if err := printData(&b, "json", map[string]string{"url": "https://a/<.*>"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"https://a/<.*>"`) {
		t.Errorf("%s", b.String())
	}
	out, _, _ := run(t, "rules", "test", "-f", "../../examples/internal-tools.yaml", "--url", "https://grafana.corp.example.com/api/x", "-o", "json")
	if strings.Contains(out, `\u003c`) || !strings.Contains(out, "<") {
		t.Errorf("rules test -o json escapes angle brackets:\n%.400s", out)
	}
}

// TestDataOutputOnEveryOutcome: with -o json, stdout is exactly one JSON
// document whatever happens, so a CI parser always gets data. Every
// command with -o/--output is made to fail (a profile that does not exist)
// and its stdout decoded; render, whose -o is the manifests' format, prints
// nothing there on an error.
func TestDataOutputOnEveryOutcome(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	root := NewRootCommand(IOStreams{})
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if f := c.Flags().Lookup("output"); f != nil && c.Flags().Lookup("filename") != nil {
			paths = append(paths, path)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(slices.Clone(path), sub.Name()))
		}
	}
	walk(root, nil)
	if len(paths) < 7 {
		t.Fatalf("only %d commands with -o and -f: %v", len(paths), paths)
	}
	for _, p := range paths {
		args := append(slices.Clone(p), "-f", missing, "-o", "json")
		if p[len(p)-1] == "test" { // rules test takes a URL
			args = append(args, "--url", "https://a.example.com/")
		}
		if p[0] == "offboard" {
			args = append(args, "someone@example.com")
		}
		t.Run(strings.Join(p, " "), func(t *testing.T) {
			out, errOut, code := run(t, args...)
			if code == 0 {
				t.Fatalf("exit 0 for a missing profile; stderr %q", errOut)
			}
			if p[0] == "render" {
				if out != "" {
					t.Errorf("render wrote %q on stdout on an error", out)
				}
				return
			}
			dec := json.NewDecoder(strings.NewReader(out))
			var v map[string]any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("stdout is not JSON (%v): %q; stderr %q", err, out, errOut)
			}
			if dec.More() {
				t.Errorf("more than one JSON document on stdout: %q", out)
			}
			if !strings.Contains(out, "nope.yaml") {
				t.Errorf("the report does not name the file: %q", out)
			}
			if !strings.Contains(errOut, "error: ") {
				t.Errorf("stderr has no error line: %q", errOut)
			}
		})
	}
}
