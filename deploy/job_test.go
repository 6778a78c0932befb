package deploy_test

import (
	"os"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// TestBootstrapJobReadsInputsFromASecret: the sample bootstrap Job's
// inputs carry passwords and client secrets, so they come from a Secret
// (private mode, readable through fsGroup by the non-root user), never
// from a ConfigMap.
func TestBootstrapJobReadsInputsFromASecret(t *testing.T) {
	b, err := os.ReadFile("job/bootstrap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatalf("job/bootstrap.yaml is not a valid Job: %v", err)
	}
	spec := job.Spec.Template.Spec
	mounts := map[string]string{}
	for _, c := range spec.Containers {
		for _, m := range c.VolumeMounts {
			if !m.ReadOnly {
				t.Errorf("volume %s is mounted writable", m.Name)
			}
			mounts[m.Name] = m.MountPath
		}
		for _, a := range c.Args {
			if strings.HasPrefix(a, "/") && !strings.HasPrefix(a, "/input/") {
				t.Errorf("argument %s is outside the Secret's mount", a)
			}
		}
	}
	secrets := 0
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil || v.Projected != nil {
			t.Errorf("volume %s is not a Secret: inputs hold passwords and client secrets", v.Name)
		}
		if s := v.Secret; s != nil {
			secrets++
			if s.DefaultMode == nil || *s.DefaultMode&0o077 != 0 {
				t.Errorf("Secret volume %s: defaultMode %v, want owner-only (0400)", v.Name, s.DefaultMode)
			}
			if mounts[v.Name] != "/input" {
				t.Errorf("Secret volume %s is not mounted at /input", v.Name)
			}
		}
	}
	if secrets != 1 {
		t.Fatalf("want one Secret volume, got %d", secrets)
	}
	if sc := spec.SecurityContext; sc == nil || sc.FSGroup == nil || sc.RunAsUser == nil || *sc.FSGroup != *sc.RunAsUser {
		t.Error("without fsGroup the non-root user cannot read an owner-only Secret volume")
	}
}
