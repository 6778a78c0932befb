package render_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/internal/golden"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

// examples returns every example profile in the repository.
func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("want at least 4 example profiles, got %v (%v)", files, err)
	}
	return files
}

func renderExample(t *testing.T, file string) *render.Result {
	t.Helper()
	p, err := profile.Load(file)
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(render.Options{Profile: p, Secrets: sf})
	if err != nil {
		t.Fatalf("render %s: %v", file, err)
	}
	return res
}

func stream(t *testing.T, res *render.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := res.WriteStream(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, file := range examples(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			got := stream(t, renderExample(t, file))
			golden.Assert(t, filepath.Join("testdata", "golden", name+".yaml"), got)
		})
	}
}

// podSpecs returns the pod template of every workload in a render.
func podSpecs(t *testing.T, res *render.Result) map[string]corev1.PodTemplateSpec {
	t.Helper()
	out := map[string]corev1.PodTemplateSpec{}
	for _, o := range res.Objects {
		switch o.Kind {
		case "Deployment":
			var d appsv1.Deployment
			if err := yaml.UnmarshalStrict(o.YAML, &d); err != nil {
				t.Fatalf("%s/%s: %v", o.Kind, o.Name, err)
			}
			out[o.Kind+"/"+o.Name] = d.Spec.Template
		case "Job":
			var j batchv1.Job
			if err := yaml.UnmarshalStrict(o.YAML, &j); err != nil {
				t.Fatalf("%s/%s: %v", o.Kind, o.Name, err)
			}
			out[o.Kind+"/"+o.Name] = j.Spec.Template
		case "StatefulSet", "DaemonSet", "CronJob", "Pod", "ReplicaSet":
			t.Fatalf("%s/%s: add this workload kind to the PSA test", o.Kind, o.Name)
		}
	}
	return out
}

// boundServiceAccounts are the ServiceAccounts of the render's namespace
// that its RoleBindings grant a Role.
func boundServiceAccounts(t *testing.T, res *render.Result) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, o := range res.Objects {
		if o.Kind != "RoleBinding" {
			continue
		}
		var rb struct {
			Subjects []struct{ Kind, Name string }
		}
		if err := yaml.Unmarshal(o.YAML, &rb); err != nil {
			t.Fatalf("%s/%s: %v", o.Kind, o.Name, err)
		}
		for _, s := range rb.Subjects {
			if s.Kind == "ServiceAccount" {
				out[s.Name] = true
			}
		}
	}
	return out
}

// TestPodSecurityRestricted runs the real Pod Security admission checks.
func TestPodSecurityRestricted(t *testing.T) {
	eval, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		t.Fatal(err)
	}
	level := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	for _, file := range examples(t) {
		res := renderExample(t, file)
		pods := podSpecs(t, res)
		bound := boundServiceAccounts(t, res)
		if len(pods) == 0 {
			t.Fatalf("%s: no workloads rendered", file)
		}
		for name, pod := range pods {
			for _, r := range eval.EvaluatePod(level, &pod.ObjectMeta, &pod.Spec) {
				if !r.Allowed {
					t.Errorf("%s: %s violates restricted: %s: %s", file, name, r.ForbiddenReason, r.ForbiddenDetail)
				}
			}
			spec := pod.Spec
			// Only a pod whose ServiceAccount a rendered RoleBinding grants
			// something (oathkeeper-maester) uses its token.
			mounts := spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken
			if uses := spec.ServiceAccountName != "" && bound[spec.ServiceAccountName]; mounts != uses {
				t.Errorf("%s: %s mounts a service-account token: %v, its ServiceAccount %q is bound to a Role: %v", file, name, mounts, spec.ServiceAccountName, uses)
			}
			for _, c := range append(spec.InitContainers, spec.Containers...) {
				sc := c.SecurityContext
				if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					t.Errorf("%s: %s/%s: root filesystem is writable", file, name, c.Name)
				}
				if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() ||
					c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
					t.Errorf("%s: %s/%s: resource requests and limits must be set", file, name, c.Name)
				}
			}
		}
	}
}

// secretValues lists every value in the test secrets file.
func secretValues(t *testing.T) []string {
	sf, err := secrets.Load("testdata/test-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vals := append([]string{}, sf.Kratos.Default...)
	vals = append(vals, sf.Kratos.Cookie...)
	vals = append(vals, sf.Kratos.Cipher...)
	vals = append(vals, sf.Hydra.System...)
	vals = append(vals, sf.Hydra.Cookie...)
	vals = append(vals, sf.UI.Cookie, sf.UI.CSRFCookie, sf.Oathkeeper.HeaderSecret, sf.Hydra.TokenHookKey)
	// Each part of the signing key is secret too; "d" is the private exponent.
	for _, line := range strings.Split(sf.Oathkeeper.JWKS, "\n") {
		if strings.Contains(line, `"d":`) {
			vals = append(vals, strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), `"d":`)), `",`))
		}
	}
	return vals
}

// TestNoSecretInConfigMaps checks that secret values live only in Secrets:
// never in a ConfigMap, an env value or any other object.
func TestNoSecretInConfigMaps(t *testing.T) {
	vals := secretValues(t)
	for _, file := range examples(t) {
		res := renderExample(t, file)
		for _, o := range res.Objects {
			if o.IsSecret() {
				continue
			}
			for _, v := range vals {
				if len(v) >= 16 && bytes.Contains(o.YAML, []byte(v)) {
					t.Errorf("%s: %s/%s contains a secret value", file, o.Kind, o.Name)
				}
			}
			// Placeholders from Ory's quickstarts and blog posts never ship.
			for _, demo := range []string{"PLEASE-CHANGE-ME", "youReallyNeedToChangeThis", "changeme", "CHANGE-ME-INSECURE", "32-LONG-SECRET-NOT-SECURE-AT-ALL"} {
				if bytes.Contains(bytes.ToLower(o.YAML), bytes.ToLower([]byte(demo))) {
					t.Errorf("%s: %s/%s contains the placeholder %q", file, o.Kind, o.Name, demo)
				}
			}
			if o.Kind == "ConfigMap" {
				low := strings.ToLower(string(o.YAML))
				for _, marker := range []string{"password=", "postgres://", "client_secret: ", "-----begin"} {
					if strings.Contains(low, marker) {
						t.Errorf("%s: ConfigMap %s contains %q", file, o.Name, marker)
					}
				}
			}
		}
	}
}

// TestNoRouteExposesAnAdminAPI checks every Ingress, HTTPRoute and Envoy
// route: none may reach Kratos admin, Hydra admin or Oathkeeper's API.
func TestNoRouteExposesAnAdminAPI(t *testing.T) {
	for _, file := range examples(t) {
		p, err := profile.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		w := p.Wiring()
		forbidden := []string{w.KratosAdminService, w.HydraAdminService, w.OathkeeperAPIService, w.AuthzService, w.TokenHookService, ":4434", ":4445", ":4456"}
		// Service upstreams: what Oathkeeper's proxy and every gateway
		// forward an allowed request to.
		for _, r := range render.BuildRules(p).Rules {
			if r.Upstream == nil {
				continue
			}
			for _, f := range append([]string{w.OathkeeperProxyService}, forbidden...) {
				if strings.Contains(r.Upstream.URL, f) {
					t.Errorf("%s: rule %s forwards to %s", file, r.ID, f)
				}
			}
		}
		routes := 0
		for _, o := range renderExample(t, file).Objects {
			text := string(o.YAML)
			switch {
			case o.Kind == "Ingress" || o.Kind == "HTTPRoute":
				routes++
			case o.Kind == "ConfigMap" && strings.Contains(o.Name, "-envoy-config-"):
				routes++
				// The ext_authz cluster is Oathkeeper's API; it is never a route target.
				var cm struct{ Data map[string]string }
				if err := yaml.Unmarshal(o.YAML, &cm); err != nil {
					t.Fatal(err)
				}
				// Only the route table: the ext_authz cluster is Oathkeeper's
				// API by design, but no route may point at an admin API.
				env := cm.Data["envoy.yaml"]
				start, end := strings.Index(env, "route_config:"), strings.Index(env, "stat_prefix:")
				if start < 0 || end < start {
					t.Fatalf("%s: no route_config in the Envoy bootstrap", file)
				}
				text = env[start:end]
				if !strings.Contains(text, "virtual_hosts:") {
					t.Fatalf("%s: route table not found", file)
				}
			default:
				continue
			}
			for _, f := range forbidden {
				if strings.Contains(text, f) {
					t.Errorf("%s: %s/%s routes to %s", file, o.Kind, o.Name, f)
				}
			}
		}
		if p.Spec.Gateway.Target != "none" && p.Spec.Gateway.Target != "istio" && routes == 0 {
			t.Errorf("%s: no routes found to check", file)
		}
	}
}
