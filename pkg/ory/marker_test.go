package ory

import "testing"

// The marker is added to a copy (the input's map is not changed) and read
// back as authctl's.
func TestOwnershipMarker(t *testing.T) {
	in := map[string]any{"team": "a"}
	out := withMarker(in)
	if !isManaged(out) || isManaged(in) || len(in) != 1 || out["team"] != "a" {
		t.Errorf("withMarker(%v) = %v", in, out)
	}
	if isManaged(map[string]any{ManagedByKey: "someone-else"}) || isManaged(nil) {
		t.Error("another owner's object was taken as authctl's")
	}
}
