package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPluginImportGraph keeps kubectl's hot path lean: every package linked
// into the plugin runs its init on every kubectl call (STYLE.md, "Fast
// exec-plugin path"). Login packages are excluded too: the plugin hands
// cache misses to `authctl get-token`.
func TestPluginImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/spf13/cobra", "helm.sh/", "sigs.k8s.io/kustomize", "k8s.io/client-go", "k8s.io/apimachinery",
		"github.com/envoyproxy", "github.com/charmbracelet", "github.com/ory/",
		// login-only: network, TLS, OIDC, keyring, locking
		"net/http", "crypto/tls", "github.com/coreos/go-oidc", "golang.org/x/oauth2", "github.com/int128/",
		"github.com/zalando/go-keyring", "github.com/godbus/", "github.com/gofrs/flock",
		"github.com/authctl/authctl/pkg/kubeconfig/login", "github.com/authctl/authctl/internal/",
		// crypto/sha256 links the FIPS module (DRBG, AES-GCM, SHA-3, HMAC,
		// a dozen initialisers): the cache key's SHA-256 is plain Go
		// (pkg/kubeconfig/sha256.go).
		"crypto",
	}
	deps := strings.Fields(string(out))
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") || (strings.HasSuffix(f, "/") && strings.HasPrefix(d, f)) {
				t.Errorf("the plugin links %s (forbidden: %s)", d, f)
			}
		}
	}
	t.Logf("the plugin links %d packages", len(deps))
}
