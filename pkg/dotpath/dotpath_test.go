package dotpath

import "testing"

func TestLookup(t *testing.T) {
	doc := map[string]any{"name": map[string]any{"first": "Ada"}, "email": "a@x", "list": []any{1}}
	for path, want := range map[string]any{
		"email": "a@x", "name.first": "Ada", "name.last": nil, "email.x": nil, "list.0": nil, "missing.x": nil,
	} {
		if got := Lookup(doc, path); got != want {
			t.Errorf("Lookup(%q) = %v, want %v", path, got, want)
		}
	}
	if Get(doc) == nil {
		t.Error("Get without keys must return the value itself")
	}
}
