//go:build cluster

package e2e_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/test/e2e/cluster"
	"github.com/authctl/authctl/test/e2e/stack"
)

// clusterProfile is examples/minimal.yaml pointed at the locally built
// images through the profile's image fields. The self-service UI cannot
// be built here (it is a Node.js app whose image is not reachable), so
// this profile disables it. authctl's own image has no profile field: the
// harness tags its local build with the name render uses
// (render.AuthctlImage), and the kubelet finds it in containerd.
const clusterProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: dev
  namespace: auth
spec:
  domain: dev.example.com
` + clusterComponents

// clusterComponents is the spec.components of every cluster profile: the
// locally built images, and no self-service UI.
const clusterComponents = `  components:
    ui: {enabled: false}   # kratos-selfservice-ui-node cannot be built or pulled here
    kratos: {image: {repository: authctl.local/kratos, tag: v1.3.1}}
    hydra: {image: {repository: authctl.local/hydra, tag: v2.3.0}}
    oathkeeper: {image: {repository: authctl.local/oathkeeper, tag: v0.40.9}}
`

// clusterImages are the stack's images; each Ory image must be the one
// clusterComponents names (both follow hack/versions.env, one by hand).
func clusterImages(t *testing.T) []cluster.Image {
	t.Helper()
	images, err := cluster.StackImages()
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range images {
		repo, tag, _ := strings.Cut(im.Ref, ":")
		if strings.HasPrefix(repo, cluster.LocalRegistry+"/") && !strings.Contains(clusterComponents, "{repository: "+repo+", tag: "+tag+"}") {
			t.Fatalf("clusterComponents does not name the image the harness builds, %s: update it to hack/versions.env", im.Ref)
		}
	}
	return images
}

// clusterStack is a node with the cluster profile applied.
type clusterStack struct {
	n                     *cluster.Node
	bin, profile, secrets string
	applyStderr           string
	applyStdout           string
}

// noOutsideTraffic points authctl's HTTP proxy at a closed loopback port:
// a request for a profile's public host (id.dev.example.com, …) then fails
// at once instead of resolving the name through the host's resolver.
// Loopback (the API server, port-forwards) is never proxied.
var noOutsideTraffic = []string{"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost"}

// run runs authctl against the node's cluster.
func (s *clusterStack) run(t *testing.T, args ...string) bsResult {
	t.Helper()
	return bsRun(t, s.bin, noOutsideTraffic, append(args, "--kubeconfig", s.n.Kubeconfig)...)
}

// applyClusterProfile starts a node with the local images, applies
// clusterProfile with `authctl apply --wait` and checks that every
// Deployment is available and every Job complete. It returns the node and
// apply's stderr (the progress view).
func applyClusterProfile(t *testing.T) *clusterStack {
	t.Helper()
	return applyProfileOnNode(t, clusterProfile, "dev", nil)
}

// applyProfileOnNode is applyClusterProfile for any profile (in namespace
// auth) whose metadata.name is name; files are written next to the profile
// and applyArgs are added to `authctl apply`.
func applyProfileOnNode(t *testing.T, profileText, name string, files map[string]string, applyArgs ...string) *clusterStack {
	t.Helper()
	return applyProfileOnNodeAfter(t, nil, profileText, name, files, applyArgs...)
}

// applyProfileOnNodeAfter runs before (when not nil) on the new node, then
// does what applyProfileOnNode does.
func applyProfileOnNodeAfter(t *testing.T, before func(*cluster.Node), profileText, name string, files map[string]string, applyArgs ...string) *clusterStack {
	t.Helper()
	return applyProfileOnNodeWith(t, cluster.Options{}, before, profileText, name, files, applyArgs...)
}

// applyProfileOnNodeWith is applyProfileOnNodeAfter on a node started with
// opts (their Images are set here).
func applyProfileOnNodeWith(t *testing.T, opts cluster.Options, before func(*cluster.Node), profileText, name string, files map[string]string, applyArgs ...string) *clusterStack {
	t.Helper()
	t0 := time.Now()
	opts.Images = clusterImages(t)
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
	bin := bsBinary(t)
	dir := t.TempDir()
	profileFile := writeFile(t, dir, "profile.yaml", []byte(profileText))
	for f, data := range files {
		writeFile(t, dir, f, []byte(data))
	}
	secretsData, err := os.ReadFile(testSecretsFile)
	if err != nil {
		t.Fatal(err)
	}
	secretsFile := writeFile(t, dir, "secrets.yaml", secretsData)

	start := time.Now()
	r := bsRun(t, bin, noOutsideTraffic, append([]string{"apply", "-f", profileFile, "--secrets-file", secretsFile,
		"--kubeconfig", n.Kubeconfig, "--wait", "--timeout", "3m"}, applyArgs...)...)
	t.Logf("apply --wait took %s", time.Since(start).Round(time.Second))
	if r.code != 0 {
		t.Fatalf("apply --wait exited %d\n%s", r.code, n.Describe("auth"))
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
	for _, d := range []string{"kratos", "hydra", "oathkeeper", "kratos-courier", "token-hook"} {
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
	return &clusterStack{n: n, bin: bin, profile: profileFile, secrets: secretsFile, applyStderr: r.stderr, applyStdout: r.stdout}
}

// TestClusterApplySQLite runs `authctl apply --wait` of the SQLite profile
// on the real node: the init-container migrations run as user 10000 on a
// volume, every Deployment becomes available (readiness probes answered by
// the real servers), and apply's progress view follows the real rollout.
func TestClusterApplySQLite(t *testing.T) {
	stack.Require(t)
	st := applyClusterProfile(t)
	n, stderr := st.n, st.applyStderr
	// The progress view on a non-terminal prints plain lines per workload.
	for _, d := range []string{"dev-kratos", "dev-hydra", "dev-oathkeeper"} {
		if !strings.Contains(stderr, "deployment/"+d+" 1/1 ready") {
			t.Errorf("apply's progress output does not show %s ready:\n%s", d, stderr)
		}
	}
	// The migrations ran as init containers, as user 10000, into SQLite
	// files on the volumes.
	for _, c := range []string{"kratos", "hydra"} {
		logs, err := n.Kubectl("-n", "auth", "logs", "deployment/dev-"+c, "-c", "migrate")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ToLower(logs), "applied") {
			t.Errorf("%s migrate init container log shows no applied migrations:\n%s", c, tailLines(logs, 20))
		}
	}
	files, err := n.NodeExec("sh", "-c", "ls -ln "+filepath.Join(n.Dir, "state", "volumes")+"/pv*/")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("volumes:\n%s", files)
	for _, db := range []string{"kratos.sqlite", "hydra.sqlite"} {
		if !regexp.MustCompile(`10000 +10000 +\d+ .* ` + regexp.QuoteMeta(db) + `\n`).MatchString(files) {
			t.Errorf("%s is not a file owned by 10000:10000 on a volume", db)
		}
	}
	if t.Failed() {
		t.Log(n.Describe("auth"))
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
