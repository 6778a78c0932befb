package profile_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestCommonMistakes: the mistakes people make get one error each, at
// their spot, with the fix in words: transposed letters and abbreviations
// get a suggestion, a misspelt required field is not also "missing", a
// manifest of another kind is named as such, and patterns are explained.
func TestCommonMistakes(t *testing.T) {
	for _, c := range []struct {
		name, input string
		want        []string
		count       int
	}{
		{"swapped letters in a field", header + "  database:\n    mdoe: sqlite\n", []string{"p.yaml:8:5:", `unknown field "mdoe"`, `did you mean "mode"?`}, 1},
		{"abbreviated value", header + "  gateway:\n    target: envoy-gw\n", []string{"p.yaml:8:13:", `unknown value "envoy-gw"`, `did you mean "envoy-gateway"?`}, 1},
		{"misspelt required field", strings.Replace(header, "  domain: example.com", "  domian: example.com", 1), []string{"p.yaml:6:3:", `did you mean "domain"?`}, 1},
		{"another kind of manifest", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n", []string{"p.yaml:2:7:", "not an authctl profile (kind ConfigMap, apiVersion v1)", "kind: Profile"}, 1},
		{"services without allow", header + "  gateway: {target: envoy}\n  services:\n    - {name: a, hosts: [a.example.com], upstream: {url: \"http://a:80\"}}\n", []string{"p.yaml:", "spec.services[0].allow: required field is missing", "anonymous, session, bearer, jwt, oauth2_introspection"}, 1},
		{"pattern in words", strings.Replace(header, "name: dev", "name: Dev", 1), []string{"p.yaml:4:9:", `invalid value "Dev"`, "use lower-case letters, digits and '-'"}, 1},
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
			if n := len(profile.AsErrorList(err)); n != c.count {
				t.Errorf("%d errors, want %d: %v", n, c.count, err)
			}
			if strings.Contains(err.Error(), "must match ^") {
				t.Errorf("a regular expression in the message: %v", err)
			}
		})
	}
}

// TestEveryPatternIsExplained: no field's pattern reaches a person as a
// regular expression.
func TestEveryPatternIsExplained(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Map {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			for _, part := range strings.Split(f.Tag.Get("jsonschema"), ",") {
				if pat, ok := strings.CutPrefix(part, "pattern="); ok && !profile.PatternExplained(pat) {
					t.Errorf("%s.%s: pattern %s has no words in patternHints", ty.Name(), f.Name, pat)
				}
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(profile.Profile{}))
	if len(seen) < 10 {
		t.Fatalf("walked only %d types", len(seen))
	}
}
