package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestSecretsFile is the golden-test fixture; its values are public.
var TestSecretsFile = InRepo("pkg/render/testdata/test-secrets.yaml")

// InRepo is the path of a file of this repository, whichever package's
// directory the test runs in.
func InRepo(rel string) string {
	root, err := stack.RepoRoot()
	if err != nil {
		panic(err)
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// Rendered is one profile rendered as `authctl render` does, with its
// secrets file.
type Rendered struct {
	Name    string
	Profile *profile.Profile
	Secrets *secrets.File
	Res     *render.Result
}

// RenderExamples renders every example profile the way `authctl render` does.
func RenderExamples(t *testing.T) []Rendered {
	t.Helper()
	files, err := filepath.Glob(InRepo("examples/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example profiles: %v", err)
	}
	var out []Rendered
	for _, f := range files {
		p, err := profile.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, RenderProfile(t, strings.TrimSuffix(filepath.Base(f), ".yaml"), p))
	}
	return out
}

// RenderProfile renders one profile with the golden tests' secrets file.
func RenderProfile(t *testing.T, name string, p *profile.Profile) Rendered {
	t.Helper()
	sf, err := secrets.Load(TestSecretsFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(render.Options{Profile: p, Secrets: sf})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return Rendered{Name: name, Profile: p, Secrets: sf, Res: res}
}

// RenderProfileWith renders one profile with the given secrets, as
// `authctl render` does with its secrets file.
func RenderProfileWith(t *testing.T, name string, p *profile.Profile, sf *secrets.File) Rendered {
	t.Helper()
	res, err := render.Render(render.Options{Profile: p, Secrets: sf})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return Rendered{Name: name, Profile: p, Secrets: sf, Res: res}
}

// SecretEnv is the environment a rendered Deployment's first container
// gets from rendered Secrets (env valueFrom.secretKeyRef), NAME=value, as
// the kubelet would set it.
func (r Rendered) SecretEnv(t *testing.T, deployment string) []string {
	t.Helper()
	d := r.Object(t, "Deployment", deployment)
	if d == nil {
		t.Fatalf("%s: no Deployment %s", r.Name, deployment)
	}
	spec := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	c := spec["containers"].([]any)[0].(map[string]any)
	envs, _ := c["env"].([]any)
	var out []string
	for _, e := range envs {
		em := e.(map[string]any)
		ref, _ := Get(em, "valueFrom.secretKeyRef").(map[string]any)
		if ref == nil {
			continue
		}
		sec := r.Object(t, "Secret", ref["name"].(string))
		if sec == nil {
			continue // a Secret the user creates
		}
		data, _ := sec["data"].(map[string]any)
		v, ok := data[ref["key"].(string)].(string)
		if !ok {
			t.Fatalf("%s: Secret %s has no key %s", deployment, ref["name"], ref["key"])
		}
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, em["name"].(string)+"="+string(raw))
	}
	return out
}

// Object decodes the first object of a kind whose name starts with prefix.
func (r Rendered) Object(t *testing.T, kind, prefix string) map[string]any {
	t.Helper()
	for _, o := range r.Res.Objects {
		if o.Kind == kind && strings.HasPrefix(o.Name, prefix) {
			var m map[string]any
			if err := yaml.Unmarshal(o.YAML, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	return nil
}

// ConfigMapData returns the data of the ConfigMap whose name starts with prefix.
func (r Rendered) ConfigMapData(t *testing.T, prefix string) map[string]string {
	t.Helper()
	m := r.Object(t, "ConfigMap", prefix)
	if m == nil {
		t.Fatalf("%s: no ConfigMap %s*", r.Name, prefix)
	}
	out := map[string]string{}
	for k, v := range m["data"].(map[string]any) {
		out[k] = v.(string)
	}
	return out
}

// ContainerEnv returns the literal env values of a Deployment's first container.
func (r Rendered) ContainerEnv(t *testing.T, deployment string) map[string]string {
	t.Helper()
	d := r.Object(t, "Deployment", deployment)
	if d == nil {
		t.Fatalf("%s: no Deployment %s", r.Name, deployment)
	}
	spec := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	c := spec["containers"].([]any)[0].(map[string]any)
	out := map[string]string{}
	envs, _ := c["env"].([]any)
	for _, e := range envs {
		em := e.(map[string]any)
		if v, ok := em["value"].(string); ok {
			out[em["name"].(string)] = v
		}
	}
	return out
}

func ParseConfig(t *testing.T, data string) map[string]any {
	t.Helper()
	cfg, err := stack.ParseConfig([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Set assigns a dotted path in a nested config map.
func Set(cfg map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	m := cfg
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// Get reads a dotted path from a nested config map.
func Get(cfg map[string]any, path string) any {
	var cur any = cfg
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func MustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ModuleDir downloads a module through the Go module proxy and returns its directory.
func ModuleDir(t *testing.T, module string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = t.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v\n%s", module, err, stderr.String())
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %s %v", module, info.Error, err)
	}
	return info.Dir
}

func WriteFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
