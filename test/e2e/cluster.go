//go:build cluster

package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e/cluster"
)

// ClusterProfile is examples/minimal.yaml pointed at the locally built
// images through the profile's image fields. The self-service UI is the
// built-in one (authctl serve ui), which runs from authctl's own image:
// that image has no profile field, so the harness tags its local build
// with the name render uses (render.AuthctlImage), and the kubelet finds
// it in containerd.
const ClusterProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: dev
  namespace: auth
spec:
  domain: dev.example.com
` + ClusterComponents

// ClusterComponents is the spec.components of every cluster profile: the
// locally built Ory images (the built-in UI, the default, uses authctl's).
const ClusterComponents = `  components:
    kratos: {image: {repository: authctl.local/kratos, tag: v1.3.1}}
    hydra: {image: {repository: authctl.local/hydra, tag: v2.3.0}}
    oathkeeper: {image: {repository: authctl.local/oathkeeper, tag: v0.40.9}}
`

// ClusterImages are the stack's images; each Ory image must be the one
// ClusterComponents names (both follow hack/versions.env, one by hand).
func ClusterImages(t *testing.T) []cluster.Image {
	t.Helper()
	images, err := cluster.StackImages()
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range images {
		repo, tag, _ := strings.Cut(im.Ref, ":")
		if strings.HasPrefix(repo, cluster.LocalRegistry+"/") && !strings.Contains(ClusterComponents, "{repository: "+repo+", tag: "+tag+"}") {
			t.Fatalf("ClusterComponents does not name the image the harness builds, %s: update it to hack/versions.env", im.Ref)
		}
	}
	return images
}

// ClusterStack is a node with the cluster profile applied.
type ClusterStack struct {
	N                     *cluster.Node
	Bin, Profile, Secrets string
	ApplyStderr           string
	ApplyStdout           string
}

// NoOutsideTraffic points authctl's HTTP proxy at a closed loopback port:
// a request for a profile's public host (id.dev.example.com, …) then fails
// at once instead of resolving the name through the host's resolver.
// Loopback (the API server, port-forwards) is never proxied.
var NoOutsideTraffic = []string{"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost"}

// Run runs authctl against the node's cluster.
func (s *ClusterStack) Run(t *testing.T, args ...string) Result {
	t.Helper()
	return Run(t, s.Bin, NoOutsideTraffic, append(args, "--kubeconfig", s.N.Kubeconfig)...)
}

// ApplyProfileOnNode is applyClusterProfile for any profile (in namespace
// auth) whose metadata.name is name; files are written next to the profile
// and applyArgs are added to `authctl apply`.
func ApplyProfileOnNode(t *testing.T, profileText, name string, files map[string]string, applyArgs ...string) *ClusterStack {
	t.Helper()
	return ApplyProfileOnNodeAfter(t, nil, profileText, name, files, applyArgs...)
}

// ApplyProfileOnNodeAfter runs before (when not nil) on the new node, then
// does what ApplyProfileOnNode does.
func ApplyProfileOnNodeAfter(t *testing.T, before func(*cluster.Node), profileText, name string, files map[string]string, applyArgs ...string) *ClusterStack {
	t.Helper()
	return ApplyProfileOnNodeWith(t, cluster.Options{}, before, profileText, name, files, applyArgs...)
}

// ApplyProfileOnNodeWith is applyProfileOnNodeAfter on a node started with
// opts (their Images are set here).
func ApplyProfileOnNodeWith(t *testing.T, opts cluster.Options, before func(*cluster.Node), profileText, name string, files map[string]string, applyArgs ...string) *ClusterStack {
	t.Helper()
	t0 := time.Now()
	opts.Images = ClusterImages(t)
	t.Logf("images built in %s", time.Since(t0).Round(time.Second))
	t0 = time.Now()
	n := cluster.Start(t, opts)
	t.Logf("node up (images imported) in %s", time.Since(t0).Round(time.Second))
	if err := n.CreateVolumes(2); err != nil {
		t.Fatal(err)
	}
	if before != nil {
		before(n)
	}
	bin := Authctl(t)
	dir := t.TempDir()
	profileFile := WriteFile(t, dir, "profile.yaml", []byte(profileText))
	for f, data := range files {
		WriteFile(t, dir, f, []byte(data))
	}
	secretsData, err := os.ReadFile(TestSecretsFile)
	if err != nil {
		t.Fatal(err)
	}
	secretsFile := WriteFile(t, dir, "secrets.yaml", secretsData)

	start := time.Now()
	r := Run(t, bin, NoOutsideTraffic, append([]string{"apply", "-f", profileFile, "--secrets-file", secretsFile,
		"--kubeconfig", n.Kubeconfig, "--wait", "--timeout", "3m"}, applyArgs...)...)
	t.Logf("apply --wait took %s", time.Since(start).Round(time.Second))
	if r.Code != 0 {
		t.Fatalf("apply --wait exited %d\n%s", r.Code, n.Describe("auth"))
	}
	out, err := n.Kubectl("-n", "auth", "get", "deployments", "-o",
		`jsonpath={range .items[*]}{.metadata.name}={.status.availableReplicas}/{.spec.replicas}{"\n"}{end}`)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deployments:\n%s", out)
	for _, line := range strings.Fields(out) {
		name, ratio, _ := strings.Cut(line, "=")
		avail, want, _ := strings.Cut(ratio, "/")
		if avail != want {
			t.Errorf("deployment %s: %s of %s available after apply --wait", name, avail, want)
		}
	}
	for _, d := range []string{"kratos", "hydra", "oathkeeper", "kratos-courier", "token-hook", "ui"} {
		if d = name + "-" + d; !strings.Contains(out, d+"=") {
			t.Errorf("deployment %s missing", d)
		}
	}
	jobs, _ := n.Kubectl("-n", "auth", "get", "jobs", "-o", `jsonpath={range .items[*]}{.metadata.name}={.status.succeeded}{"\n"}{end}`)
	for _, line := range strings.Fields(jobs) {
		if name, ok, _ := strings.Cut(line, "="); ok != "1" {
			t.Errorf("job %s not complete", name)
		}
	}
	return &ClusterStack{N: n, Bin: bin, Profile: profileFile, Secrets: secretsFile, ApplyStderr: r.Stderr, ApplyStdout: r.Stdout}
}
