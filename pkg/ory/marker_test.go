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

// The kubectl client kubeconfig setup registered before writes moved here
// carries "managed-by"; it is read as authctl's, and a rewrite spells it
// "managed_by".
func TestOwnershipMarkerLegacySpelling(t *testing.T) {
	legacy := map[string]any{"managed-by": "authctl"}
	if !isManaged(legacy) {
		t.Error("the managed-by spelling is not read as the marker")
	}
	if out := withMarker(legacy); out[ManagedByKey] != ManagedByValue {
		t.Errorf("rewritten as %v", out)
	}
}
