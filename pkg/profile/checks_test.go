package profile_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// check is one add(path, hint, format, …) call of the validation code: the
// text it produces, as a pattern over one error line.
type check struct {
	at, format string
	re         *regexp.Regexp
}

// validationChecks finds every add call in the files that validate a
// profile. A check is identified by its message and hint, so a new check
// needs a row that produces exactly that message, and a dropped check makes
// its row fail.
func validationChecks(t *testing.T, files ...string) []check {
	t.Helper()
	var out []check
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "add" || len(call.Args) < 3 {
				return true
			}
			at := fset.Position(call.Pos()).String()
			format, ok := stringLit(call.Args[2])
			if !ok {
				t.Fatalf("%s: the message of a check must be a string literal", at)
			}
			pattern := ": " + formatPattern(format) + ` \(` + concatPattern(call.Args[1]) + `\)$`
			out = append(out, check{at: at, format: format, re: regexp.MustCompile(pattern)})
			return true
		})
	}
	if len(out) < 40 {
		t.Fatalf("found only %d checks; did the validation code change shape?", len(out))
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// concatPattern turns "a "+x+" b" into a pattern matching "a <anything> b".
func concatPattern(e ast.Expr) string {
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
		return concatPattern(b.X) + concatPattern(b.Y)
	}
	if s, ok := stringLit(e); ok {
		return regexp.QuoteMeta(s)
	}
	return ".*?"
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// formatPattern turns a Printf format into a pattern of what it prints.
func formatPattern(format string) string {
	var b strings.Builder
	last := 0
	for _, m := range verb.FindAllStringIndex(format, -1) {
		b.WriteString(regexp.QuoteMeta(format[last:m[0]]))
		switch format[m[1]-1] {
		case 'd':
			b.WriteString(`-?[0-9]+`)
		case '%':
			b.WriteString(`%`)
		default:
			b.WriteString(`.*?`)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	return b.String()
}

// TestEveryCheckHasARow fails when a check of validate.go, services.go or
// warnings.go is produced by no row of TestErrors, TestServiceLint or
// TestWarnings: dropping a check with no row would otherwise leave the
// suite green.
func TestEveryCheckHasARow(t *testing.T) {
	// Checks no profile can reach, with the reason. The decoder applies the
	// enum tags of apiVersion and kind first; the "wrong apiVersion" and
	// "wrong kind" rows show its error.
	unreachable := map[string]bool{"unsupported apiVersion %q": true, "unsupported kind %q": true}
	checks := validationChecks(t, "validate.go", "services.go", "warnings.go")
	var lines []string
	for _, tc := range errorCases {
		_, err := profile.Parse("p.yaml", t.TempDir(), []byte(tc.input))
		if err != nil {
			lines = append(lines, strings.Split(err.Error(), "\n")...)
		}
	}
	for _, tc := range lintCases {
		_, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+"  services:\n"+tc.services))
		if err != nil {
			lines = append(lines, strings.Split(err.Error(), "\n")...)
		}
	}
	for _, tc := range warningCases {
		if p, err := profile.Parse("p.yaml", t.TempDir(), []byte(tc.input)); err == nil {
			lines = append(lines, strings.Split(p.Warnings().Error(), "\n")...)
		}
	}
	for _, c := range checks {
		if unreachable[c.format] {
			continue
		}
		found := false
		for _, l := range lines {
			if c.re.MatchString(l) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: no row of TestErrors, TestServiceLint or TestWarnings produces this check (pattern %s)", c.at, c.re)
		}
	}
}
