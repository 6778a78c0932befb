package ory

import (
	"context"
	"errors"
	"testing"
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
