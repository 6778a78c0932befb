package render

import "testing"

func TestPlainKind(t *testing.T) {
	for doc, want := range map[string]struct {
		kind string
		ok   bool
	}{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n": {"ConfigMap", true},
		"kind: Rule":                        {"Rule", true},
		"metadata:\n  kind: Nested\n":       {"", false},
		"kind: \"ConfigMap\"\n":             {"", false},
		"kind: ConfigMap # comment\n":       {"", false},
		"{\"kind\": \"ConfigMap\"}":         {"", false},
		"apiVersion: v1\nkind:\n":           {"", false},
		"data:\n  a: |\n    kind: Secret\n": {"", false},
	} {
		if k, ok := plainKind([]byte(doc)); k != want.kind || ok != want.ok {
			t.Errorf("plainKind(%q) = %q, %v; want %q, %v", doc, k, ok, want.kind, want.ok)
		}
	}
}
