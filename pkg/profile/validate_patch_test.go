package profile

import (
	"strings"
	"testing"
)

// checkPatch refuses at validation what kustomize would refuse at render:
// JSON that is not JSON, YAML that is not YAML, JSON 6902 operations
// without op or path; a strategic-merge object passes.
func TestCheckPatch(t *testing.T) {
	for _, tc := range []struct{ patch, want string }{
		{"kind: Deployment\nmetadata:\n  name: x\n  labels: {a: b}\n", ""},
		{"metadata:\n  labels: {a: b}\n", "needs kind and metadata.name"},
		{`[{"op":"add","path":"/metadata/labels/a","value":"b"}]`, ""},
		{`[{op: add}]`, "is read as JSON"},
		{"a: [", "the patch is not YAML"},
	} {
		err := checkPatch(Patch{Patch: tc.patch, Target: &PatchTarget{}})
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: %v, want %q", tc.patch, err, tc.want)
		}
	}
}
