package render

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/templates"
)

// TestGatewayTargetsHaveTheirFiles: every row of profile.GatewayTargets
// but none has its template, templates/gateway-<target>.yaml, guarded by
// its own name; every template and render entry belongs to a row.
func TestGatewayTargetsHaveTheirFiles(t *testing.T) {
	rows := map[string]bool{}
	for _, row := range profile.GatewayTargets {
		rows[row.Name] = true
		if row.Name == "none" {
			continue
		}
		data, err := fs.ReadFile(templates.FS, "gateway-"+row.Name+".yaml")
		if err != nil {
			t.Errorf("target %s: %v", row.Name, err)
			continue
		}
		if guard := `{{- if eq $g.target "` + row.Name + `" }}`; !strings.Contains(string(data), guard) {
			t.Errorf("gateway-%s.yaml lacks its guard %s", row.Name, guard)
		}
	}
	files, _ := fs.Glob(templates.FS, "gateway-*.yaml")
	for _, f := range files {
		if name := strings.TrimSuffix(strings.TrimPrefix(f, "gateway-"), ".yaml"); !rows[name] {
			t.Errorf("%s belongs to no row of profile.GatewayTargets", f)
		}
	}
	for name := range gatewayRenders {
		if !rows[name] {
			t.Errorf("gatewayRenders has %s, no row of profile.GatewayTargets", name)
		}
	}
}
