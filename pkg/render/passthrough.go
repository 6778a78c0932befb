package render

import (
	"bytes"
	"maps"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
)

// passthroughKinds are the per-service objects, which name no generated
// ConfigMap or Secret, so kustomize has nothing to change in them. Kustomize
// appends resources in time linear in those already held, so thousands of
// them would make rendering quadratic in the number of services.
var passthroughKinds = map[string]bool{
	"Rule": true, "HTTPRoute": true, "SecurityPolicy": true, "ReferenceGrant": true, "AuthorizationPolicy": true,
}

// splitPassthrough takes the passthrough objects out of the kustomize run
// when no profile patch could target them, and returns them canonicalised
// the way runKustomize does. The kustomize base written for users (Result.Base)
// keeps every object.
func splitPassthrough(p *profile.Profile, base map[string][]byte, docs [][]byte) (map[string][]byte, []Object, error) {
	if len(p.Spec.Patches) > 0 {
		return base, nil, nil
	}
	var keep [][]byte
	var out []Object
	for _, d := range docs {
		if k, ok := plainKind(d); ok && !passthroughKinds[k] {
			// Kustomize decodes it anyway; decoding it here too cost a
			// tenth of the render.
			keep = append(keep, d)
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(d, &m); err != nil {
			return nil, nil, err
		}
		kind, _ := m["kind"].(string)
		if !passthroughKinds[kind] {
			keep = append(keep, d)
			continue
		}
		canon, err := yaml.Marshal(m)
		if err != nil {
			return nil, nil, err
		}
		meta, _ := m["metadata"].(map[string]any)
		ns, _ := meta["namespace"].(string)
		name, _ := meta["name"].(string)
		apiVersion, _ := m["apiVersion"].(string)
		out = append(out, Object{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name, YAML: canon})
	}
	if len(out) == 0 {
		return base, nil, nil
	}
	kbase := maps.Clone(base)
	kbase["resources.yaml"] = joinDocs(keep)
	return kbase, out, nil
}

// plainKind reads the kind of a block-style YAML document from its
// top-level "kind: X" line without decoding it. ok is false when there is
// no such line or the value is not a plain word (quoted, flow style, a
// comment after it): the caller then decodes the document.
func plainKind(doc []byte) (kind string, ok bool) {
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		rest, found := bytes.CutPrefix(line, []byte("kind:"))
		if !found {
			continue
		}
		v := strings.TrimSpace(string(rest))
		for _, r := range v {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
				return "", false
			}
		}
		return v, v != ""
	}
	return "", false
}
