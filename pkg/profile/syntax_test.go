package profile_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestYAMLSyntaxPositions: the common YAML mistakes are reported at the
// line and column of the problem (yaml.v3 alone gives the line before an
// unclosed bracket, and always column 1), with a hint that fits.
func TestYAMLSyntaxPositions(t *testing.T) {
	for _, c := range []struct {
		name, input string
		want        []string
	}{
		{"unclosed bracket", header + "  services:\n  - name: a\n    hosts: [a.example.com, b.example.com\n    allow: [session]\n",
			[]string{"p.yaml:9:12:", "this [ is never closed", "close it with ]"}},
		{"unclosed nested bracket", header + "  kratos:\n    methods: [password, [totp]\n",
			[]string{"p.yaml:8:14:", "this [ is never closed"}},
		{"unclosed brace", header + "  kratos: {methods: [password]\n",
			[]string{"p.yaml:7:11:", "this { is never closed", "close it with }"}},
		{"bracket inside quotes is not an opener", header + "  kratos:\n    allowedReturnURLs: [\"https://x/[\", \"https://y/\"\n",
			[]string{"p.yaml:8:24:", "this [ is never closed"}},
		{"key indented too far after a plain value", header + "  kratos:\n    sessionLifespan: 1h\n      methods: [password]\n",
			[]string{"p.yaml:9:14:", "mapping values are not allowed", "indented further"}},
		{"key indented too far after a list", header + "  kratos:\n    methods: [password]\n      sessionLifespan: 1h\n",
			[]string{"p.yaml:9:7:", "did not find expected key", "check the indentation"}},
		{"key indented too little", header + "  kratos:\n    methods: [password]\n   sessionLifespan: 1h\n",
			[]string{"p.yaml:9:4:", "did not find expected key", "check the indentation"}},
		{"unclosed quote", header + "  kratos:\n    sessionLifespan: \"1h\n",
			[]string{"p.yaml:8:22:", `this " quote is never closed`}},
		{"tab", header + "  kratos:\n  \tmethods: [password]\n",
			[]string{"p.yaml:8:3:", "found a tab character", "spaces only"}},
		{"duplicate key", header + "  kratos:\n    methods: [password]\n    methods: [totp]\n",
			[]string{"p.yaml:9:5:", "set twice"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := profile.Parse("p.yaml", "", []byte(c.input))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
