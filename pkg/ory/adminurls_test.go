package ory

import (
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

// The precedence of every admin URL: given, environment, profile; Kratos'
// public URL from the profile only with its admin URL.
func TestAdminURLsResolve(t *testing.T) {
	p, err := profile.Parse("profile.yaml", t.TempDir(), []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev, namespace: auth}\nspec: {domain: example.com}\n"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	const kAdmin, kPublic, hAdmin = "http://dev-kratos-admin.auth.svc.cluster.local:4434", "http://dev-kratos-public.auth.svc.cluster.local:4433", "http://dev-hydra-admin.auth.svc.cluster.local:4445"

	if got := (AdminURLs{}).Resolve(getenv, p); got != (AdminURLs{kAdmin, hAdmin, kPublic}) {
		t.Errorf("from the profile: %+v", got)
	}
	if got := (AdminURLs{}).Resolve(nil, nil); got != (AdminURLs{}) {
		t.Errorf("nothing: %+v", got)
	}
	env["KRATOS_ADMIN_URL"], env["HYDRA_ADMIN_URL"] = "http://k-env", "http://h-env"
	if got := (AdminURLs{HydraAdmin: "http://h-given"}).Resolve(getenv, p); got != (AdminURLs{"http://k-env", "http://h-given", ""}) {
		t.Errorf("given, then environment (no public Service with an admin URL from elsewhere): %+v", got)
	}
	env["KRATOS_PUBLIC_URL"] = "http://kp-env"
	if got := (AdminURLs{}).Resolve(getenv, nil); got != (AdminURLs{"http://k-env", "http://h-env", "http://kp-env"}) {
		t.Errorf("environment: %+v", got)
	}
}
