package render_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// crdSources are the CRDs the rendered objects may use, taken from the
// pinned Go modules of their projects (versions in hack/versions.env).
func crdFiles(t *testing.T) []string {
	t.Helper()
	v, err := stack.Versions()
	if err != nil {
		t.Fatal(err)
	}
	eso := e2e.ModuleDir(t, "github.com/external-secrets/external-secrets@"+v["EXTERNAL_SECRETS_VERSION"])
	gw := e2e.ModuleDir(t, "sigs.k8s.io/gateway-api@"+v["GATEWAY_API_VERSION"])
	eg := e2e.ModuleDir(t, "github.com/envoyproxy/gateway@"+v["ENVOY_GATEWAY_VERSION"])
	istio := e2e.ModuleDir(t, "istio.io/api@"+v["ISTIO_API_VERSION"])
	maester := e2e.ModuleDir(t, "github.com/ory/oathkeeper-maester@"+v["OATHKEEPER_MAESTER_VERSION"])
	files := []string{
		filepath.Join(eso, "config/crds/bases/external-secrets.io_externalsecrets.yaml"),
		filepath.Join(eg, "charts/gateway-helm/crds/generated/gateway.envoyproxy.io_securitypolicies.yaml"),
		filepath.Join(eg, "charts/gateway-helm/crds/generated/gateway.envoyproxy.io_clienttrafficpolicies.yaml"),
		filepath.Join(istio, "kubernetes/customresourcedefinitions.gen.yaml"),
		filepath.Join(maester, "config/crd/bases/oathkeeper.ory.sh_rules.yaml"),
	}
	std, err := filepath.Glob(filepath.Join(gw, "config/crd/standard/*.yaml"))
	if err != nil || len(std) == 0 {
		t.Fatalf("no Gateway API CRDs in %s", gw)
	}
	return append(files, std...)
}

// TestRenderedManifestsAcceptedByKubeAPIServer applies every object of every
// example, and of 3000-service stacks whose rules span several ConfigMaps
// (and, on the ingress target, several Ingresses), to a real kube-apiserver
// with server-side apply.
func TestRenderedManifestsAcceptedByKubeAPIServer(t *testing.T) {
	stack.Require(t)
	kube := stack.StartKubeAPIServer(t, stack.KubeOptions{})
	for _, crd := range crdFiles(t) {
		if _, stderr, err := stack.Kubectl(t, kube.KubeconfigPath, "apply", "--server-side", "-f", crd); err != nil {
			t.Fatalf("install CRD %s: %v\n%s", crd, err, stderr)
		}
	}
	if _, stderr, err := stack.Kubectl(t, kube.KubeconfigPath, "wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"); err != nil {
		t.Fatalf("CRDs not established: %v\n%s", err, stderr)
	}
	// The API server needs a moment before it serves a new CRD's resources.
	time.Sleep(2 * time.Second)
	// The limit render keeps to is the API server's: one byte over is refused.
	over := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: over, namespace: default}\ndata:\n  x: " + strings.Repeat("x", 1<<20+1) + "\n"
	if _, stderr, err := stack.Kubectl(t, kube.KubeconfigPath, "apply", "--server-side", "-f", e2e.WriteFile(t, t.TempDir(), "over.yaml", []byte(over))); err == nil || !strings.Contains(stderr, "1048576") {
		t.Errorf("a ConfigMap with 1 MiB of data was not refused for its size: %v\n%s", err, stderr)
	}
	large := strings.Replace(string(profile.ManyServices(3000)), "  services:\n", "  gateway: {target: istio}\n  services:\n", 1)
	largeIngress := strings.Replace(string(profile.ManyServices(3000)), "  services:\n", "  gateway: {target: ingress, ingressClassName: nginx, tlsSecretName: example-com-tls}\n  services:\n", 1)
	renders := append(e2e.RenderExamples(t), renderProfileText(t, "services-3000", large, nil), renderProfileText(t, "services-3000-ingress", largeIngress, nil))
	for _, r := range renders {
		t.Run(r.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.Res.WriteStream(&buf); err != nil {
				t.Fatal(err)
			}
			file := e2e.WriteFile(t, t.TempDir(), r.Name+".yaml", buf.Bytes())
			// Namespaces the stack only refers to (the gateway's, the
			// upstreams') exist in a real cluster before the stack does.
			rendered := map[string]bool{}
			for _, o := range r.Res.Objects {
				if o.Kind == "Namespace" {
					rendered[o.Name] = true
				}
			}
			for _, o := range r.Res.Objects {
				if o.Namespace != "" && !rendered[o.Namespace] {
					rendered[o.Namespace] = true
					stack.Kubectl(t, kube.KubeconfigPath, "create", "namespace", o.Namespace)
				}
			}
			stdout, stderr, err := stack.Kubectl(t, kube.KubeconfigPath, "apply", "--server-side", "--validate=strict", "--field-manager=authctl", "-f", file)
			if err != nil {
				t.Fatalf("kube-apiserver rejected objects of %s: %v\n%s", r.Name, err, stderr)
			}
			applied := strings.Count(stdout, "serverside-applied")
			if applied != len(r.Res.Objects) {
				t.Errorf("applied %d objects, rendered %d:\n%s", applied, len(r.Res.Objects), stdout)
			}
			// A second apply of the same render changes nothing.
			stdout, stderr, err = stack.Kubectl(t, kube.KubeconfigPath, "apply", "--server-side", "--field-manager=authctl", "-f", file)
			if err != nil {
				t.Fatalf("re-apply: %v\n%s", err, stderr)
			}
		})
	}
}
