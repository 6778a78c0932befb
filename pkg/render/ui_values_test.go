package render

import (
	"slices"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// TestBuildUIValues: the built-in UI gets its flags from the model's
// wiring (in-cluster Kratos, browser-facing Kratos); Ory's UI gets none
// and runs the image the profile names.
func TestBuildUIValues(t *testing.T) {
	header := "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: dev\nspec:\n  domain: example.com\n"
	p, err := profile.Parse("p.yaml", t.TempDir(), []byte(header))
	if err != nil {
		t.Fatal(err)
	}
	m := wired(p)
	v := buildUIValues(m, "dev_csrf")
	if !v.Builtin || !slices.Contains(v.Args, "--kratos-public-url="+m.w.KratosPublicInternalURL) ||
		!slices.Contains(v.Args, "--kratos-browser-url="+m.w.KratosPublicURL) || !slices.Contains(v.Args, "--csrf-cookie-name=dev_csrf") {
		t.Errorf("built-in UI values %+v", v)
	}
	if uiImage(p) != AuthctlImage {
		t.Errorf("built-in UI image %s", uiImage(p))
	}
	p, err = profile.Parse("p.yaml", t.TempDir(), []byte(header+"  ui:\n    implementation: ory\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v := buildUIValues(wired(p), "dev_csrf"); v.Builtin || len(v.Args) != 0 {
		t.Errorf("ory UI values %+v", v)
	}
	if uiImage(p) == AuthctlImage {
		t.Error("ory UI runs authctl's image")
	}
}
