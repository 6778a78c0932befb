package profile

import (
	"errors"
	"strings"
	"testing"
)

// TestMistakesGetOneErrorWithAHint: a missing domain is one error (not one
// per derived host), an outdented field names where it belongs, and a typo
// names the field meant.
func TestMistakesGetOneErrorWithAHint(t *testing.T) {
	head := "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n"
	for _, tc := range []struct {
		name, spec, want string
	}{
		{"missing domain", "  components: {}\n", `p.yaml:5:3: spec.domain: required field is missing (the public hosts derive from it`},
		{"outdented target", "  domain: example.com\n  gateway:\n  target: envoy\n", `spec.target: unknown field "target" (did you mean spec.gateway.target? indent it under gateway:;`},
		{"typo", "  domain: example.com\n  gateway:\n    targte: envoy\n", `spec.gateway.targte: unknown field "targte" (did you mean "target"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", ".", []byte(head+tc.spec))
			var list ErrorList
			if !errors.As(err, &list) {
				var one *FieldError
				if !errors.As(err, &one) {
					t.Fatalf("err = %v", err)
				}
				list = ErrorList{one}
			}
			if len(list) != 1 || !strings.Contains(list[0].Error(), tc.want) {
				t.Fatalf("got %d error(s):\n%v\nwant one containing %q", len(list), err, tc.want)
			}
		})
	}
}
