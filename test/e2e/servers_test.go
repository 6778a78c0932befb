package e2e_test

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
	kratosRewrites = []string{
		"identity.schemas[].url: file:///etc/config/kratos/schemas/X -> file://TMP/X (the schemas ConfigMap, written to disk)",
		"secrets.{default,cookie,cipher}: from the rendered Secret (SECRETS_* env in the Deployment)",
		"selfservice.methods.oidc.config.providers: from the Deployment's SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS env, $(VAR) expanded to a test value",
	}
	hydraRewrites = []string{
		"secrets.{system,cookie}: from the rendered Secret (SECRETS_* env in the Deployment)",
	}
	oathkeeperRewrites = []string{
		"access_rules.repositories: the rules ConfigMap (or, with oathkeeper-maester, the Rule objects converted as maester does), written to disk",
		"file:///etc/secrets/oathkeeper/* URLs: the rendered Secret's files, written to disk",
	}
)

var envRef = regexp.MustCompile(`\$\(([A-Z0-9_]+)\)`)

// kratosConfig returns the rendered Kratos config with the loopback rewrites.
func kratosConfig(t *testing.T, r rendered) map[string]any {
	t.Helper()
	cfg := parseConfig(t, r.configMapData(t, r.profile.Metadata.Name+"-kratos-config")["kratos.yaml"])
	dir := t.TempDir()
	schemas := r.configMapData(t, r.profile.Metadata.Name+"-kratos-schemas")
	for _, s := range get(cfg, "identity.schemas").([]any) {
		sm := s.(map[string]any)
		name := sm["url"].(string)[strings.LastIndex(sm["url"].(string), "/")+1:]
		sm["url"] = "file://" + writeFile(t, dir, name, []byte(schemas[name]))
	}
	set(cfg, "secrets.default", r.secrets.Kratos.Default)
	set(cfg, "secrets.cookie", r.secrets.Kratos.Cookie)
	set(cfg, "secrets.cipher", r.secrets.Kratos.Cipher)
	env := r.containerEnv(t, r.profile.Metadata.Name+"-kratos")
	if providers, ok := env["SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS"]; ok {
		expanded := envRef.ReplaceAllString(providers, "test-client-secret-value")
		var list []any
		if err := json.Unmarshal([]byte(expanded), &list); err != nil {
			t.Fatalf("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS is not JSON: %v", err)
		}
		set(cfg, "selfservice.methods.oidc.config.providers", list)
	}
	return cfg
}

func hydraConfig(t *testing.T, r rendered) map[string]any {
	t.Helper()
	cfg := parseConfig(t, r.configMapData(t, r.profile.Metadata.Name+"-hydra-config")["hydra.yaml"])
	set(cfg, "secrets.system", r.secrets.Hydra.System)
	set(cfg, "secrets.cookie", r.secrets.Hydra.Cookie)
	return cfg
}

// oathkeeperConfig returns the rendered Oathkeeper config and rules.
func oathkeeperConfig(t *testing.T, r rendered) (map[string]any, []byte) {
	t.Helper()
	raw := r.configMapData(t, r.profile.Metadata.Name+"-oathkeeper-config")["oathkeeper.yaml"]
	if strings.Contains(raw, "file:///etc/secrets/oathkeeper/jwks.json") {
		path := writeFile(t, t.TempDir(), "jwks.json", []byte(r.secrets.Oathkeeper.JWKS))
		raw = strings.ReplaceAll(raw, "file:///etc/secrets/oathkeeper/jwks.json", "file://"+path)
	}
	cfg := parseConfig(t, raw)
	if r.object(t, "ConfigMap", r.profile.Metadata.Name+"-oathkeeper-rules") != nil {
		rules := r.configMapData(t, r.profile.Metadata.Name+"-oathkeeper-rules")["access-rules.json"]
		return cfg, []byte(rules)
	}
	return cfg, maesterRulesJSON(t, r)
}

// maesterRulesJSON does what oathkeeper-maester does with the rendered Rule
// objects: id "<name>.<namespace>", and the spec as an Oathkeeper rule.
func maesterRulesJSON(t *testing.T, r rendered) []byte {
	t.Helper()
	var rules []any
	for _, o := range r.res.Objects {
		if o.Kind != "Rule" {
			continue
		}
		m := r.object(t, "Rule", o.Name)
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
		t.Fatalf("%s: neither a rules ConfigMap nor Rule objects", r.name)
	}
	return []byte(mustJSON(t, rules))
}

func logRewrites(t *testing.T, server string, ours, harness []string) {
	t.Helper()
	t.Logf("%s loopback rewrites:\n  %s", server, strings.Join(append(append([]string{}, ours...), harness...), "\n  "))
}

// startRendered starts the real servers of one render, failing with the
// server's own error when a config is rejected.
func startKratos(t *testing.T, r rendered, mutate func(map[string]any)) *stack.Kratos {
	t.Helper()
	cfg := kratosConfig(t, r)
	if mutate != nil {
		mutate(cfg)
	}
	k, err := stack.TryStartKratos(t, stack.KratosOptions{Config: cfg})
	if err != nil {
		t.Fatalf("real Kratos rejected the rendered config of %s:\n%v", r.name, err)
	}
	logRewrites(t, "kratos", kratosRewrites, k.Rewrites())
	return k
}
