package ory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

func TestBootstrapOperation(t *testing.T) {
	b := NewBootstrap()
	if _, err := b.Run(context.Background()); !errors.Is(err, ErrNothingToBootstrap) {
		t.Fatalf("no inputs: got %v, want ErrNothingToBootstrap", err)
	}
	env := map[string]string{"KRATOS_ADMIN_URL": "http://k-env:4434", "HYDRA_ADMIN_URL": "http://h-env:4445"}
	b = NewBootstrap()
	b.IdentitiesFile, b.HydraAdminURL, b.Getenv = "users.yaml", "http://h-field:4445", func(k string) string { return env[k] }
	if err := b.Resolve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.KratosAdminURL != "http://k-env:4434" || b.HydraAdminURL != "http://h-field:4445" {
		t.Fatalf("field, then environment: got %q %q", b.KratosAdminURL, b.HydraAdminURL)
	}
	if b.BatchSize != DefaultBatchSize || b.Concurrency != DefaultConcurrency || b.SecretsFormat != SecretFormatKubernetes {
		t.Fatalf("defaults: %+v", b)
	}
}

// The Kratos public URL (where identity schemas are read) follows the
// admin URL's origin: the environment first; with a profile's in-cluster
// admin Service, its public Service; with an admin URL given by hand,
// nothing (the admin port's redirect), as an in-cluster name would not
// resolve where a hand-given URL is used.
func TestBootstrapKratosPublicURL(t *testing.T) {
	profileFile := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(profileFile, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev, namespace: auth}\nspec: {domain: example.com}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	p, err := profile.Load(profileFile)
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(admin string) *Bootstrap {
		t.Helper()
		b := NewBootstrap()
		b.Profile, b.IdentitiesFile, b.KratosAdminURL, b.Getenv = p, "users.yaml", admin, getenv
		if err := b.Resolve(context.Background()); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if b := resolve(""); b.KratosAdminURL != "http://dev-kratos-admin.auth.svc.cluster.local:4434" || b.KratosPublicURL != "http://dev-kratos-public.auth.svc.cluster.local:4433" {
		t.Errorf("from the profile: admin %q, public %q", b.KratosAdminURL, b.KratosPublicURL)
	}
	if b := resolve("http://127.0.0.1:4434"); b.KratosPublicURL != "" {
		t.Errorf("admin URL by hand: public %q, want empty (the admin port's redirect)", b.KratosPublicURL)
	}
	env["KRATOS_PUBLIC_URL"] = "http://127.0.0.1:4433"
	if b := resolve(""); b.KratosPublicURL != "http://127.0.0.1:4433" {
		t.Errorf("environment: public %q", b.KratosPublicURL)
	}
}
