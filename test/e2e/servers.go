package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e/stack"
)

// The loopback rewrites this package applies on top of the harness's own
// (ports, base URLs, DSN, TLS, listed by each server's Rewrites()). Nothing
// else in a rendered config is changed.
var (
	KratosRewrites = []string{
		"identity.schemas[].url: file:///etc/config/kratos/schemas/X -> file://TMP/X (the schemas ConfigMap, written to disk)",
		"secrets.{default,cookie,cipher}: from the rendered Secret (SECRETS_* env in the Deployment)",
		"selfservice.methods.oidc.config.providers: from the Deployment's SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS env, $(VAR) expanded to a test value",
	}
	HydraRewrites = []string{
		"secrets.{system,cookie}: from the rendered Secret (SECRETS_* env in the Deployment)",
	}
	OathkeeperRewrites = []string{
		"access_rules.repositories: the rules ConfigMap (or, with oathkeeper-maester, the Rule objects converted by a stand-in for maester), written to disk",
		"file:///etc/secrets/oathkeeper/* URLs: the rendered Secret's files, written to disk",
	}
)

var EnvRef = regexp.MustCompile(`\$\(([A-Z0-9_]+)\)`)

// KratosConfig returns the rendered Kratos config with the loopback rewrites.
func KratosConfig(t *testing.T, r Rendered) map[string]any {
	t.Helper()
	cfg := ParseConfig(t, r.ConfigMapData(t, r.Profile.Metadata.Name+"-kratos-config")["kratos.yaml"])
	dir := t.TempDir()
	schemas := r.ConfigMapData(t, r.Profile.Metadata.Name+"-kratos-schemas")
	for _, s := range Get(cfg, "identity.schemas").([]any) {
		sm := s.(map[string]any)
		name := sm["url"].(string)[strings.LastIndex(sm["url"].(string), "/")+1:]
		sm["url"] = "file://" + WriteFile(t, dir, name, []byte(schemas[name]))
	}
	Set(cfg, "secrets.default", r.Secrets.Kratos.Default)
	Set(cfg, "secrets.cookie", r.Secrets.Kratos.Cookie)
	Set(cfg, "secrets.cipher", r.Secrets.Kratos.Cipher)
	env := r.ContainerEnv(t, r.Profile.Metadata.Name+"-kratos")
	if providers, ok := env["SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS"]; ok {
		expanded := EnvRef.ReplaceAllString(providers, "test-client-secret-value")
		var list []any
		if err := json.Unmarshal([]byte(expanded), &list); err != nil {
			t.Fatalf("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS is not JSON: %v", err)
		}
		Set(cfg, "selfservice.methods.oidc.config.providers", list)
	}
	return cfg
}

func HydraConfig(t *testing.T, r Rendered) map[string]any {
	t.Helper()
	cfg := ParseConfig(t, r.ConfigMapData(t, r.Profile.Metadata.Name+"-hydra-config")["hydra.yaml"])
	Set(cfg, "secrets.system", r.Secrets.Hydra.System)
	Set(cfg, "secrets.cookie", r.Secrets.Hydra.Cookie)
	return cfg
}

// OathkeeperConfig returns the rendered Oathkeeper config and rules.
func OathkeeperConfig(t *testing.T, r Rendered) (map[string]any, []byte) {
	t.Helper()
	raw := r.ConfigMapData(t, r.Profile.Metadata.Name+"-oathkeeper-config")["oathkeeper.yaml"]
	if strings.Contains(raw, "file:///etc/secrets/oathkeeper/jwks.json") {
		path := WriteFile(t, t.TempDir(), "jwks.json", []byte(r.Secrets.Oathkeeper.JWKS))
		raw = strings.ReplaceAll(raw, "file:///etc/secrets/oathkeeper/jwks.json", "file://"+path)
	}
	cfg := ParseConfig(t, raw)
	if r.Object(t, "ConfigMap", r.Profile.Metadata.Name+"-oathkeeper-rules") != nil {
		rules := r.ConfigMapData(t, r.Profile.Metadata.Name+"-oathkeeper-rules")["access-rules.json"]
		return cfg, []byte(rules)
	}
	return cfg, StandInMaesterRulesJSON(t, r)
}

// StandInMaesterRulesJSON stands in for oathkeeper-maester where no node
// runs (Oathkeeper on loopback, no kube-apiserver to hold Rule objects):
// what maester writes for the rendered Rule objects, id
// "<name>.<namespace>" and the spec as an Oathkeeper rule. On the node the
// real controller runs instead (test/e2e/cluster TestClusterMaesterRules),
// and that test checks this stand-in against what it wrote.
func StandInMaesterRulesJSON(t *testing.T, r Rendered) []byte {
	t.Helper()
	var rules []any
	for _, o := range r.Res.Objects {
		if o.Kind != "Rule" {
			continue
		}
		m := r.Object(t, "Rule", o.Name)
		spec := m["spec"].(map[string]any)
		rule := map[string]any{"id": o.Name + "." + o.Namespace}
		for _, k := range []string{"match", "authenticators", "authorizer", "mutators", "errors"} {
			if v, ok := spec[k]; ok {
				rule[k] = v
			}
		}
		if up, ok := spec["upstream"].(map[string]any); ok {
			rule["upstream"] = map[string]any{"url": up["url"], "preserve_host": up["preserveHost"]}
		}
		rules = append(rules, rule)
	}
	if len(rules) == 0 {
		t.Fatalf("%s: neither a rules ConfigMap nor Rule objects", r.Name)
	}
	return []byte(MustJSON(t, rules))
}

func LogRewrites(t *testing.T, server string, ours, harness []string) {
	t.Helper()
	t.Logf("%s loopback rewrites:\n  %s", server, strings.Join(append(append([]string{}, ours...), harness...), "\n  "))
}

// startRendered starts the real servers of one render, failing with the
// server's own error when a config is rejected.
func StartKratos(t *testing.T, r Rendered, mutate func(map[string]any)) *stack.Kratos {
	t.Helper()
	cfg := KratosConfig(t, r)
	if mutate != nil {
		mutate(cfg)
	}
	k, err := stack.TryStartKratos(t, stack.KratosOptions{Config: cfg})
	if err != nil {
		t.Fatalf("real Kratos rejected the rendered config of %s:\n%v", r.Name, err)
	}
	LogRewrites(t, "kratos", KratosRewrites, k.Rewrites())
	return k
}
