package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/authctl/authctl/pkg/dotpath"
)

// jsonPatchOps are the operations of RFC 6902.
var jsonPatchOps = map[string]bool{"add": true, "remove": true, "replace": true, "move": true, "copy": true, "test": true}

// checkPatch refuses what kustomize would refuse only at render time: a
// patch that is not YAML, or neither a strategic-merge object nor a list
// of JSON 6902 operations (op, a path starting with "/", and a target to
// apply them to).
func checkPatch(pt Patch) error {
	var doc any
	if pt.Patch[0] == '[' {
		// kustomize reads a patch that starts with "[" as JSON, not YAML.
		if err := json.Unmarshal([]byte(pt.Patch), &doc); err != nil {
			return fmt.Errorf("a patch that starts with [ is read as JSON, and this is not JSON (%v): quote its keys and strings, or write it as a YAML list of \"- op:\" items", err)
		}
	} else if err := yaml.Unmarshal([]byte(pt.Patch), &doc); err != nil {
		return fmt.Errorf("the patch is not YAML: %v", err)
	}
	switch d := doc.(type) {
	case map[string]any:
		// kustomize reads a strategic-merge patch as an object: it needs its
		// kind, and a name (any name, when a target picks the objects).
		kind, _ := d["kind"].(string)
		name, _ := dotpath.Get(d, "metadata", "name").(string)
		if kind == "" || name == "" {
			return errors.New("a strategic-merge patch needs kind and metadata.name (the object's, or any name with a target)")
		}
		return nil
	case []any:
		if pt.Target == nil {
			return errors.New("a JSON 6902 patch needs a target (kind and name of the objects to patch)")
		}
		for n, op := range d {
			m, ok := op.(map[string]any)
			if !ok {
				return fmt.Errorf("operation %d is not an object with op and path", n)
			}
			name, _ := m["op"].(string)
			path, _ := m["path"].(string)
			if !jsonPatchOps[name] {
				return fmt.Errorf("operation %d: op %q is not one of add, remove, replace, move, copy, test", n, m["op"])
			}
			if !strings.HasPrefix(path, "/") {
				return fmt.Errorf("operation %d: path %q must start with /", n, m["path"])
			}
			if _, has := m["value"]; !has && (name == "add" || name == "replace" || name == "test") {
				return fmt.Errorf("operation %d: %s needs a value", n, name)
			}
		}
		return nil
	default:
		return errors.New("a patch is a strategic-merge object or a list of JSON 6902 operations")
	}
}
