package setup

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// What kubeconfig setup logs in with and what get-token later runs with
// must be the same options: the exec args round-trip to the same cache
// key, CA data included (it was dropped, so get-token lost the CA and
// looked up another cache entry).
func TestExecArgsKeepTheCacheKey(t *testing.T) {
	ca := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]kubeconfig.Options{
		"ca data": {IssuerURL: "https://i/", ClientID: "kubectl", ExtraScopes: []string{"offline_access", "email", "groups"}, CAData: ca},
		"ca file": {IssuerURL: "https://i/", ClientID: "kubectl", CAFiles: []string{caFile}},
		"everything": {IssuerURL: "https://i/", ClientID: "ci", Grant: kubeconfig.GrantClientCredentials, Audiences: []string{"kubectl"},
			AuthParams: map[string]string{"prompt": "login"}, CAData: ca, CAFiles: []string{caFile}, Insecure: true,
			AuthenticationTimeout: 30 * time.Second, LockTimeout: 3 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			args := ExecArgs(&o)
			var back kubeconfig.Options
			fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
			kubeconfig.BindFlags(fs, &back)
			if err := fs.Parse(args); err != nil {
				t.Fatalf("get-token rejects the exec args %v: %v", args, err)
			}
			if back.CacheKey() != o.CacheKey() {
				t.Fatalf("cache key changed through the exec args %v:\n setup:     %s\n get-token: %s", args, o.CanonicalKey(), back.CanonicalKey())
			}
			// An unset lock timeout is the default on both sides.
			lock := o.LockTimeout
			if lock == 0 {
				lock = kubeconfig.DefaultLockTimeout
			}
			if string(back.CAData) != string(o.CAData) || back.AuthenticationTimeout != o.AuthenticationTimeout || back.LockTimeout != lock {
				t.Fatalf("lost in the exec args: %+v", back)
			}
			if slices.ContainsFunc(args, func(a string) bool { return a == "--insecure-skip-tls-verify" }) != o.Insecure {
				t.Fatal("insecure flag mismatch")
			}
		})
	}
}

// The kubectl client may request the scope the token hook releases groups
// for, whatever the profile calls it.
func TestKubectlClientGroupsScope(t *testing.T) {
	if got := KubectlClient("kubectl", nil, "")["scope"]; got != "openid offline_access email groups" {
		t.Fatalf("default scope %v", got)
	}
	if got := KubectlClient("kubectl", nil, "kube-groups")["scope"]; got != "openid offline_access email kube-groups" {
		t.Fatalf("profile's groups scope: %v", got)
	}
}
