package render

import (
	"fmt"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

// MaxObjectBytes is Kubernetes' limit on a ConfigMap's or Secret's data,
// and the size no rendered object may exceed.
const MaxObjectBytes = 1 << 20

// checkObjectSizes refuses any object over MaxObjectBytes, positioned at
// the part of the profile that made it large. The access rules are split
// over several ConfigMaps before this point, so what fails here cannot be
// split.
func checkObjectSizes(m *model, objs []Object) error {
	p := m.p
	var errs profile.ErrorList
	for _, o := range objs {
		if len(o.YAML) <= MaxObjectBytes {
			continue
		}
		path, hint := objectSource(m, o)
		errs = append(errs, p.Errorf(path, hint, "the rendered %s %s is %d bytes, over Kubernetes' %d-byte object limit", o.Kind, o.Name, len(o.YAML), MaxObjectBytes))
	}
	return errs.Err()
}

// objectSource names the profile field that an object's size comes from.
func objectSource(m *model, o Object) (path, hint string) {
	p := m.p
	name := p.Metadata.Name
	switch {
	case strings.HasPrefix(o.Name, m.names.ConfigMaps.KratosSchemas):
		path = "spec.kratos.identitySchemas"
		biggest := 0
		for i, s := range m.schemaFiles() {
			if i < len(p.Spec.Kratos.IdentitySchemas) && len(s.Content) > biggest {
				biggest, path = len(s.Content), fmt.Sprintf("spec.kratos.identitySchemas[%d]", i)
			}
		}
		return path, "Kratos reads its identity schemas from one ConfigMap; shrink the schema or serve it from a URL"
	case o.Kind == "ConfigMap" && gatewayRenders[p.Spec.Gateway.Target].sizeHint != "" && strings.HasPrefix(o.Name, name+"-"+p.Spec.Gateway.Target+"-config"):
		return "spec.gateway.target", gatewayRenders[p.Spec.Gateway.Target].sizeHint
	case strings.HasPrefix(o.Name, name+"-oathkeeper-rules"), o.Kind == "Rule", o.Kind == "Ingress":
		return "spec.services", "split the services over several stacks"
	}
	return "spec", "report this: authctl should have split the object"
}
