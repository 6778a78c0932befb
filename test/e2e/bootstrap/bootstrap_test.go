package bootstrap_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// The bootstrap tests run the authctl binary, built from this tree, against
// real Kratos v1.3.1 (SQLite) and Hydra v2.3.0 on loopback.

// bsSchema has one credential identifier (email) and a name.
const bsSchema = `{
  "$id": "https://authctl.test/identity.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {"type": "string", "format": "email",
          "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
        "name": {"type": "string"}
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
}`

// bsKratos starts Kratos with the test schema and password login.
func bsKratos(t *testing.T) *stack.Kratos {
	t.Helper()
	return bsKratosWith(t, bsSchema, stack.KratosOptions{})
}

// bsKratosWith is bsKratos with another identity schema and opts (its
// Config and Dev are set here).
func bsKratosWith(t *testing.T, schemaJSON string, opts stack.KratosOptions) *stack.Kratos {
	t.Helper()
	schema := e2e.WriteFile(t, t.TempDir(), "identity.schema.json", []byte(schemaJSON))
	ui := "http://127.0.0.1:4455/"
	cfg := map[string]any{
		"dsn": "memory",
		"identity": map[string]any{
			"default_schema_id": "default",
			"schemas":           []any{map[string]any{"id": "default", "url": "file://" + schema}},
		},
		"selfservice": map[string]any{
			"default_browser_return_url": ui,
			"allowed_return_urls":        []any{ui},
			"methods":                    map[string]any{"password": map[string]any{"enabled": true}},
			"flows": map[string]any{
				"error":        map[string]any{"ui_url": ui + "error"},
				"login":        map[string]any{"ui_url": ui + "login"},
				"registration": map[string]any{"ui_url": ui + "registration"},
				"settings":     map[string]any{"ui_url": ui + "settings"},
				"recovery":     map[string]any{"ui_url": ui + "recovery"},
				"verification": map[string]any{"ui_url": ui + "verification"},
			},
		},
		"secrets": map[string]any{
			"default": []any{"bootstrap-test-default-secret"},
			"cookie":  []any{"bootstrap-test-cookie-secret!"},
			"cipher":  []any{"0123456789abcdef0123456789abcdef"},
		},
		// Cost 4 keeps plaintext-password imports fast in tests.
		"hashers": map[string]any{"algorithm": "bcrypt", "bcrypt": map[string]any{"cost": 4}},
		"courier": map[string]any{"smtp": map[string]any{"connection_uri": "smtp://127.0.0.1:1025/?disable_starttls=true"}},
		"log":     map[string]any{"level": "warning"},
	}
	opts.Config, opts.Dev = cfg, true
	return stack.StartKratos(t, opts)
}

// bsHydra starts Hydra on plain HTTP.
func bsHydra(t *testing.T) *stack.Hydra {
	t.Helper()
	cfg := map[string]any{
		"secrets": map[string]any{"system": []any{"bootstrap-test-system-secret"}},
		"urls": map[string]any{
			"login":   "http://127.0.0.1:4455/login",
			"consent": "http://127.0.0.1:4455/consent",
		},
		"log": map[string]any{"level": "warn"},
	}
	return stack.StartHydra(t, stack.HydraOptions{Config: cfg, PlainHTTP: true, Dev: true})
}

// bsSummary is the -o json summary.
type bsSummary struct {
	DryRun     bool           `json:"dry_run"`
	Identities map[string]int `json:"identities"`
	Clients    map[string]int `json:"clients"`
	Changes    []struct {
		Kind, Action, Key, Source string
		Fields                    []string
	} `json:"changes"`
	Errors []struct{ Kind, Key, Source, Message string } `json:"errors"`
}

func bsJSON(t *testing.T, r e2e.Result) bsSummary {
	t.Helper()
	var s bsSummary
	if err := json.Unmarshal([]byte(r.Stdout), &s); err != nil {
		t.Fatalf("stdout is not the JSON summary: %v\n%s", err, r.Stdout)
	}
	return s
}

func bsWantCounts(t *testing.T, what string, got map[string]int, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s = %d, want %d (all: %v)", what, k, got[k], v, got)
		}
	}
}

// bsAdmin does raw admin API calls to check server state independently.
type bsAdmin struct {
	t    *testing.T
	base string
}

func (a bsAdmin) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, strings.TrimRight(a.base, "/")+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// identities lists every identity (all pages).
func (a bsAdmin) identities() []map[string]any {
	a.t.Helper()
	var all []map[string]any
	token := ""
	for {
		q := url.Values{"page_size": {"1000"}}
		if token != "" {
			q.Set("page_token", token)
		}
		req, _ := http.NewRequest(http.MethodGet, strings.TrimRight(a.base, "/")+"/admin/identities?"+q.Encode(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			a.t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var page []map[string]any
		if err := json.Unmarshal(data, &page); err != nil {
			a.t.Fatalf("list identities: %v: %s", err, data)
		}
		all = append(all, page...)
		token = ""
		for _, l := range resp.Header.Values("Link") {
			for _, part := range strings.Split(l, ",") {
				if strings.Contains(part, `rel="next"`) {
					u, _ := url.Parse(strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>"))
					token = u.Query().Get("page_token")
				}
			}
		}
		if token == "" || len(page) == 0 {
			return all
		}
	}
}

// byEmail indexes identities by traits.email and fails on duplicates.
func (a bsAdmin) byEmail() map[string]map[string]any {
	a.t.Helper()
	out := map[string]map[string]any{}
	for _, i := range a.identities() {
		email, _ := e2e.Get(i, "traits.email").(string)
		if _, dup := out[email]; dup {
			a.t.Fatalf("identity %s exists twice", email)
		}
		out[email] = i
	}
	return out
}

// state is a canonical dump of server state for no-write checks.
func (a bsAdmin) state(path string) string {
	a.t.Helper()
	code, body := a.do(http.MethodGet, path, nil)
	if code != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return string(body)
}

// bsLogin runs Kratos's API login flow and reports whether the password works.
func bsLogin(t *testing.T, k *stack.Kratos, email, password string) bool {
	t.Helper()
	resp, err := http.Get(k.PublicURL + "self-service/login/api")
	if err != nil {
		t.Fatal(err)
	}
	var flow struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&flow)
	resp.Body.Close()
	body, _ := json.Marshal(map[string]string{"method": "password", "identifier": email, "password": password})
	resp, err = http.Post(k.PublicURL+"self-service/login?flow="+flow.ID, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

var bsHash = func() func(t *testing.T, pw string) string {
	cache := map[string]string{}
	return func(t *testing.T, pw string) string {
		t.Helper()
		if h, ok := cache[pw]; ok {
			return h
		}
		// Cost 4 (bcrypt's minimum) keeps fixtures fast; Kratos verifies any cost.
		h, err := bcrypt.GenerateFromPassword([]byte(pw), 4)
		if err != nil {
			t.Fatal(err)
		}
		cache[pw] = string(h)
		return cache[pw]
	}
}()

func TestBootstrapIdentitiesLifecycle(t *testing.T) {
	stack.Require(t)
	k := bsKratos(t)
	bin := e2e.Authctl(t)
	admin := bsAdmin{t: t, base: k.AdminURL}
	env := []string{"KRATOS_ADMIN_URL=" + k.AdminURL}
	dir := t.TempDir()

	// An identity authctl did not create: prune must never touch it.
	if code, body := admin.do(http.MethodPost, "/admin/identities", map[string]any{
		"schema_id": "default", "traits": map[string]any{"email": "manual@example.com"},
	}); code != http.StatusCreated {
		t.Fatalf("creating the manual identity: %d %s", code, body)
	}

	v1 := fmt.Sprintf(`identities:
  - traits: {email: alice@example.com, name: Alice}
    metadata_public: {groups: [admins]}
    credentials:
      password: {config: {hashed_password: %q}}
  - traits: {email: bob@example.com, name: Bob}
    metadata_admin: {team: platform}
    credentials:
      password: {config: {password: "bob-plaintext-pw"}}
  - traits: {email: carol@example.com}
    state: inactive
  - traits: {email: not-an-email, name: Broken}
`, bsHash(t, "alice-hashed-pw"))
	file := e2e.WriteFile(t, dir, "identities.yaml", []byte(v1))

	// Create: three identities, and the fourth fails with its file:line.
	r := e2e.Run(t, bin, env, "bootstrap", "--identities", file, "-o", "json")
	s := bsJSON(t, r)
	if r.Code == 0 {
		t.Errorf("exit code 0 although an identity failed")
	}
	bsWantCounts(t, "identities", s.Identities, map[string]int{"create": 3, "failed": 1})
	if len(s.Errors) != 1 || s.Errors[0].Source != file+":12" {
		t.Fatalf("want one error at %s:12, got %+v", file, s.Errors)
	}
	if !strings.Contains(r.Stderr, file+":12") {
		t.Errorf("stderr does not report the failing line:\n%s", r.Stderr)
	}
	got := admin.byEmail()
	if len(got) != 4 {
		t.Fatalf("want 3 created + 1 manual identities, got %d", len(got))
	}
	if e2e.Get(got["alice@example.com"], "metadata_admin.managed_by") != "authctl" {
		t.Errorf("created identity lacks the ownership marker: %v", got["alice@example.com"]["metadata_admin"])
	}
	if e2e.Get(got["carol@example.com"], "state") != "inactive" {
		t.Errorf("carol state = %v", e2e.Get(got["carol@example.com"], "state"))
	}
	// Hashed and plaintext passwords both log in.
	if !bsLogin(t, k, "alice@example.com", "alice-hashed-pw") {
		t.Error("the pre-hashed password of alice does not log in")
	}
	if !bsLogin(t, k, "bob@example.com", "bob-plaintext-pw") {
		t.Error("the plaintext password of bob does not log in")
	}
	if bsLogin(t, k, "bob@example.com", "wrong") {
		t.Error("a wrong password logs in")
	}

	// Rerun without the broken item: nothing to do, no writes.
	v1ok := v1[:strings.Index(v1, "  - traits: {email: not-an-email")]
	e2e.WriteFile(t, dir, "identities.yaml", []byte(v1ok))
	before := admin.state("/admin/identities?page_size=1000")
	r = e2e.Run(t, bin, env, "bootstrap", "--identities", file, "-o", "json")
	s = bsJSON(t, r)
	if r.Code != 0 {
		t.Fatalf("rerun failed: %s", r.Stderr)
	}
	bsWantCounts(t, "identities", s.Identities, map[string]int{"create": 0, "update": 0, "unchanged": 3, "delete": 0, "failed": 0})
	if after := admin.state("/admin/identities?page_size=1000"); after != before {
		t.Error("an unchanged rerun modified identities")
	}

	// Update: traits and metadata change; a new password is ignored without
	// --update-credentials.
	v2 := strings.NewReplacer("name: Alice}", "name: Alice Liddell}", "groups: [admins]", "groups: [admins, auditors]",
		`password: "bob-plaintext-pw"`, `password: "bob-new-pw"`).Replace(v1ok)
	e2e.WriteFile(t, dir, "identities.yaml", []byte(v2))
	r = e2e.Run(t, bin, env, "bootstrap", "--identities", file, "-o", "json")
	s = bsJSON(t, r)
	bsWantCounts(t, "identities", s.Identities, map[string]int{"update": 1, "unchanged": 2, "failed": 0})
	got = admin.byEmail()
	if e2e.Get(got["alice@example.com"], "traits.name") != "Alice Liddell" || e2e.MustJSON(t, e2e.Get(got["alice@example.com"], "metadata_public.groups")) != `["admins","auditors"]` {
		t.Errorf("alice not updated: %v %v", got["alice@example.com"]["traits"], got["alice@example.com"]["metadata_public"])
	}
	if !bsLogin(t, k, "bob@example.com", "bob-plaintext-pw") {
		t.Error("bob's password changed without --update-credentials")
	}
	r = e2e.Run(t, bin, env, "bootstrap", "--identities", file, "--update-credentials", "-o", "json")
	if s = bsJSON(t, r); s.Identities["update"] != 2 { // alice and bob carry credentials
		t.Errorf("--update-credentials: %v", s.Identities)
	}
	if !bsLogin(t, k, "bob@example.com", "bob-new-pw") {
		t.Error("--update-credentials did not set bob's new password")
	}

	// Prune: carol leaves the input; the manual identity stays.
	v3 := strings.Replace(v2, "  - traits: {email: carol@example.com}\n    state: inactive\n", "", 1)
	e2e.WriteFile(t, dir, "identities.yaml", []byte(v3))
	r = e2e.Run(t, bin, env, "bootstrap", "--identities", file, "--prune", "-o", "json")
	s = bsJSON(t, r)
	bsWantCounts(t, "identities", s.Identities, map[string]int{"delete": 1, "unchanged": 2, "failed": 0})
	got = admin.byEmail()
	if _, ok := got["carol@example.com"]; ok {
		t.Error("prune kept carol")
	}
	if _, ok := got["manual@example.com"]; !ok {
		t.Error("prune deleted an identity authctl did not create")
	}
}

func TestBootstrapDryRunMakesNoWrites(t *testing.T) {
	stack.Require(t)
	k := bsKratos(t)
	h := bsHydra(t)
	bin := e2e.Authctl(t)
	ka, ha := bsAdmin{t: t, base: k.AdminURL}, bsAdmin{t: t, base: h.AdminURL}
	dir := t.TempDir()
	env := []string{"KRATOS_ADMIN_URL=" + k.AdminURL, "HYDRA_ADMIN_URL=" + h.AdminURL}
	ids := e2e.WriteFile(t, dir, "ids.ndjson", []byte(`{"traits":{"email":"a@example.com"}}
{"traits":{"email":"b@example.com"}}
`))
	clients := e2e.WriteFile(t, dir, "clients.yaml", []byte(`clients:
  - client_id: ci
    grant_types: [client_credentials]
`))
	r := e2e.Run(t, bin, env, "bootstrap", "--identities", ids, "--clients", clients, "--secrets-out", filepath.Join(dir, "s.yaml"))
	if r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	// Now a plan with a create, an update and deletes pending.
	e2e.WriteFile(t, dir, "ids.ndjson", []byte(`{"traits":{"email":"a@example.com","name":"A"}}
{"traits":{"email":"c@example.com"}}
`))
	e2e.WriteFile(t, dir, "clients.yaml", []byte(`clients:
  - client_id: web
    grant_types: [authorization_code]
    redirect_uris: ["http://127.0.0.1/cb"]
`))
	beforeIDs, beforeClients := ka.state("/admin/identities?page_size=1000"), ha.state("/admin/clients")
	for _, args := range [][]string{
		{"bootstrap", "plan", "--identities", ids, "--clients", clients, "--prune", "--rotate-secret", "ci"},
		{"bootstrap", "--dry-run", "--identities", ids, "--clients", clients, "--prune", "-o", "json"},
	} {
		r = e2e.Run(t, bin, env, args...)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d", args, r.Code)
		}
	}
	s := bsJSON(t, r)
	if !s.DryRun {
		t.Error("summary does not say dry_run")
	}
	bsWantCounts(t, "identities", s.Identities, map[string]int{"create": 1, "update": 1, "delete": 1})
	bsWantCounts(t, "clients", s.Clients, map[string]int{"create": 1, "delete": 1})
	if ka.state("/admin/identities?page_size=1000") != beforeIDs || ha.state("/admin/clients") != beforeClients {
		t.Fatal("a dry run changed server state")
	}
	plan := e2e.Run(t, bin, env, "bootstrap", "plan", "--identities", ids, "--clients", clients, "--prune")
	for _, want := range []string{"+ identity c@example.com", "~ identity a@example.com (traits)", "- identity b@example.com", "+ client web", "- client ci", "Plan: identities: 1 to create, 1 to update, 0 unchanged, 1 to delete"} {
		if !strings.Contains(plan.Stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan.Stdout)
		}
	}
}

func TestBootstrapKillAndRerun(t *testing.T) {
	stack.Require(t)
	k := bsKratos(t)
	bin := e2e.Authctl(t)
	admin := bsAdmin{t: t, base: k.AdminURL}
	const n = 12000
	hash := bsHash(t, "same-password-for-all")
	var buf bytes.Buffer
	for i := range n {
		fmt.Fprintf(&buf, `{"traits":{"email":"user%05d@example.com"},"credentials":{"password":{"config":{"hashed_password":%q}}}}`+"\n", i, hash)
	}
	file := e2e.WriteFile(t, t.TempDir(), "big.ndjson", buf.Bytes())
	args := []string{"bootstrap", "--identities", file, "--kratos-admin-url", k.AdminURL, "--batch-size", "500", "--concurrency", "2", "--progress", "none"}

	cmd := exec.Command(bin, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill as soon as some batches have landed, with more in flight.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, body := admin.do(http.MethodGet, "/admin/identities?page_size=1", nil)
		var page []any
		if code == http.StatusOK && json.Unmarshal(body, &page) == nil && len(page) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no identity appeared; stderr:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	partial := len(admin.identities())
	t.Logf("killed with %d of %d identities created", partial, n)
	if partial == 0 || partial >= n {
		t.Fatalf("killed with %d of %d created: the kill must land mid-run", partial, n)
	}

	r := e2e.Run(t, bin, nil, append(args, "-o", "json")...)
	if r.Code != 0 {
		t.Fatalf("rerun failed: %s", r.Stderr)
	}
	s := bsJSON(t, r)
	if s.Identities["create"]+s.Identities["unchanged"] != n || s.Identities["unchanged"] != partial {
		t.Errorf("rerun counts %v; want %d unchanged and %d created", s.Identities, partial, n-partial)
	}
	got := admin.byEmail() // fails on duplicates
	if len(got) != n {
		t.Fatalf("%d identities after rerun, want %d", len(got), n)
	}
	for i := range n {
		if _, ok := got[fmt.Sprintf("user%05d@example.com", i)]; !ok {
			t.Fatalf("user%05d lost", i)
		}
	}
}

// bsSecrets reads the Secret manifests of --secrets-out.
func bsSecrets(t *testing.T, path string) map[string]string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	f, _ := os.Open(path)
	defer f.Close()
	out := map[string]string{}
	dec := yaml.NewDecoder(bufio.NewReader(f))
	for {
		var doc struct {
			Kind       string
			StringData map[string]string `yaml:"stringData"`
		}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if doc.Kind != "Secret" {
			t.Errorf("kind %q in secrets file", doc.Kind)
		}
		out[doc.StringData["CLIENT_ID"]] = doc.StringData["CLIENT_SECRET"]
	}
	return out
}

// bsToken runs the client_credentials grant and returns the HTTP status.
func bsToken(t *testing.T, h *stack.Hydra, id, secret string) int {
	t.Helper()
	resp, err := http.PostForm(h.PublicURL+"oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestBootstrapClientsUpsertRotatePrune(t *testing.T) {
	stack.Require(t)
	h := bsHydra(t)
	bin := e2e.Authctl(t)
	admin := bsAdmin{t: t, base: h.AdminURL}
	dir := t.TempDir()
	secrets := filepath.Join(dir, "client-secrets.yaml")
	env := []string{"HYDRA_ADMIN_URL=" + h.AdminURL, "CI_SECRET=ci-secret-from-the-environment"}

	// A client authctl did not create.
	h.CreateClient(t, map[string]any{"client_id": "manual", "grant_types": []string{"client_credentials"}})

	v1 := `clients:
  - client_id: ci
    client_name: CI
    grant_types: [client_credentials]
    token_endpoint_auth_method: client_secret_post
    client_secret_env: CI_SECRET
  - client_id: generated
    grant_types: [client_credentials]
    token_endpoint_auth_method: client_secret_post
  - client_id: kubectl
    grant_types: [authorization_code, refresh_token]
    redirect_uris: ["http://127.0.0.1:8000"]
    token_endpoint_auth_method: none
    scope: openid offline groups
`
	file := e2e.WriteFile(t, dir, "clients.yaml", []byte(v1))

	// Without --secrets-out a generated secret has nowhere to go: refuse
	// before any write.
	r := e2e.Run(t, bin, env, "bootstrap", "--clients", file)
	if r.Code == 0 || !strings.Contains(r.Stderr, "--secrets-out") {
		t.Fatalf("want a refusal with a --secrets-out hint, got %d:\n%s", r.Code, r.Stderr)
	}
	if code, _ := admin.do(http.MethodGet, "/admin/clients/ci", nil); code != http.StatusNotFound {
		t.Fatal("the refused run wrote a client")
	}

	r = e2e.Run(t, bin, env, "bootstrap", "--clients", file, "--secrets-out", secrets, "-o", "json")
	s := bsJSON(t, r)
	bsWantCounts(t, "clients", s.Clients, map[string]int{"create": 3, "failed": 0})
	if strings.Contains(r.Stdout+r.Stderr, "ci-secret-from-the-environment") {
		t.Error("a secret was printed")
	}
	gen := bsSecrets(t, secrets)
	if len(gen) != 1 || gen["generated"] == "" {
		t.Fatalf("want only the generated secret in the file, got %v", gen)
	}
	if strings.Contains(r.Stdout+r.Stderr, gen["generated"]) {
		t.Error("the generated secret was printed")
	}
	if bsToken(t, h, "ci", "ci-secret-from-the-environment") != http.StatusOK {
		t.Error("ci cannot use the secret from the environment")
	}
	if bsToken(t, h, "generated", gen["generated"]) != http.StatusOK {
		t.Error("generated cannot use the secret from the secrets file")
	}
	code, body := admin.do(http.MethodGet, "/admin/clients/kubectl", nil)
	var kubectl map[string]any
	_ = json.Unmarshal(body, &kubectl)
	if code != 200 || kubectl["owner"] != "authctl" || e2e.Get(kubectl, "metadata.managed_by") != "authctl" {
		t.Errorf("kubectl lacks the ownership marks: %d %s", code, body)
	}

	// Rerun: unchanged, and the secrets stay valid.
	before := admin.state("/admin/clients")
	r = e2e.Run(t, bin, env, "bootstrap", "--clients", file, "--secrets-out", secrets, "-o", "json")
	bsWantCounts(t, "clients", bsJSON(t, r).Clients, map[string]int{"unchanged": 3, "create": 0, "update": 0})
	if admin.state("/admin/clients") != before {
		t.Error("an unchanged rerun modified clients")
	}

	// Update: a changed field is PUT, the secret is kept.
	e2e.WriteFile(t, dir, "clients.yaml", []byte(strings.Replace(v1, "client_name: CI", "client_name: Continuous Integration", 1)))
	r = e2e.Run(t, bin, env, "bootstrap", "--clients", file, "--secrets-out", secrets, "-o", "json")
	bsWantCounts(t, "clients", bsJSON(t, r).Clients, map[string]int{"update": 1, "unchanged": 2})
	if bsToken(t, h, "ci", "ci-secret-from-the-environment") != http.StatusOK {
		t.Error("the update lost ci's secret")
	}

	// Rotation: the old secret stops working, the new one (in the file) works.
	old := gen["generated"]
	r = e2e.Run(t, bin, env, "bootstrap", "--clients", file, "--secrets-out", secrets, "--rotate-secret", "generated", "-o", "json")
	bsWantCounts(t, "clients", bsJSON(t, r).Clients, map[string]int{"rotate": 1, "failed": 0})
	gen = bsSecrets(t, secrets)
	if gen["generated"] == old || gen["generated"] == "" {
		t.Fatal("rotation did not write a new secret")
	}
	if bsToken(t, h, "generated", old) == http.StatusOK {
		t.Error("the old secret still works after rotation")
	}
	if bsToken(t, h, "generated", gen["generated"]) != http.StatusOK {
		t.Error("the rotated secret does not work")
	}

	// Prune: generated leaves the input; manual stays.
	v2 := strings.Replace(v1, "  - client_id: generated\n    grant_types: [client_credentials]\n    token_endpoint_auth_method: client_secret_post\n", "", 1)
	e2e.WriteFile(t, dir, "clients.yaml", []byte(v2))
	r = e2e.Run(t, bin, env, "bootstrap", "--clients", file, "--prune", "-o", "json")
	bsWantCounts(t, "clients", bsJSON(t, r).Clients, map[string]int{"delete": 1, "failed": 0})
	if code, _ := admin.do(http.MethodGet, "/admin/clients/generated", nil); code != http.StatusNotFound {
		t.Error("prune kept generated")
	}
	if code, _ := admin.do(http.MethodGet, "/admin/clients/manual", nil); code != http.StatusOK {
		t.Error("prune deleted a client authctl did not create")
	}
}

// TestBootstrapIdentitiesBehindPortForward is the cluster seen from a
// laptop: the admin port is reachable (a port-forward) but the public base
// URL is not. The real Kratos answers GET /schemas on its admin port only
// with a redirect to serve.public.base_url, so bootstrap given the admin
// URL alone fails, and says so; with --kratos-public-url (what `apply
// --bootstrap` passes, from a second port-forward) it creates the identity.
func TestBootstrapIdentitiesBehindPortForward(t *testing.T) {
	stack.Require(t)
	// A closed loopback port stands for a public host that does not resolve.
	unreachable := fmt.Sprintf("http://127.0.0.1:%d/", stack.FreePort(t))
	k := bsKratosWith(t, bsSchema, stack.KratosOptions{PublicBaseURL: unreachable})
	bin := e2e.Authctl(t)
	file := e2e.WriteFile(t, t.TempDir(), "identities.yaml", []byte(`identities:
  - traits: {email: alice@example.com, name: Alice}
`))
	env := []string{"KRATOS_ADMIN_URL=" + k.AdminURL}

	r := e2e.Run(t, bin, env, "bootstrap", "--identities", file, "--timeout", "20s")
	if r.Code == 0 {
		t.Fatalf("bootstrap through the admin port alone succeeded although the public base URL is unreachable:\n%s", r.Stderr)
	}
	if !strings.Contains(r.Stderr, "identity schemas") || !strings.Contains(r.Stderr, "public") {
		t.Errorf("the error does not say that the schemas come from the public URL:\n%s", r.Stderr)
	}

	r = e2e.Run(t, bin, env, "bootstrap", "--identities", file, "--kratos-public-url", k.PublicURL, "-o", "json")
	if r.Code != 0 {
		t.Fatalf("bootstrap with --kratos-public-url exited %d:\n%s", r.Code, r.Stderr)
	}
	bsWantCounts(t, "identities", bsJSON(t, r).Identities, map[string]int{"create": 1})
	admin := bsAdmin{t: t, base: k.AdminURL}
	if code, body := admin.do(http.MethodGet, "/admin/identities?credentials_identifier=alice@example.com", nil); code != http.StatusOK || !strings.Contains(string(body), "alice@example.com") {
		t.Fatalf("identity not in Kratos: %d %s", code, body)
	}
}

// TestBootstrapVerifiedAddresses imports an address the organisation
// vouches for, as Kratos' import does: the real Kratos stores it verified
// (the token hook then says email_verified, and kube-apiserver maps the
// email to a user name), while an address given unverified stays pending.
func TestBootstrapVerifiedAddresses(t *testing.T) {
	stack.Require(t)
	// Kratos keeps an address only for a trait its schema marks for
	// verification, as authctl's default schema does.
	k := bsKratosWith(t, strings.Replace(bsSchema, `{"password": {"identifier": true}}}`, `{"password": {"identifier": true}}, "verification": {"via": "email"}}`, 1), stack.KratosOptions{})
	bin := e2e.Authctl(t)
	file := e2e.WriteFile(t, t.TempDir(), "identities.yaml", []byte(`identities:
  - traits: {email: vouched@example.com}
    verifiable_addresses: [{value: vouched@example.com, via: email, verified: true}]
  - traits: {email: pending@example.com}
    verifiable_addresses: [{value: pending@example.com, via: email, verified: false}]
`))
	r := e2e.Run(t, bin, []string{"KRATOS_ADMIN_URL=" + k.AdminURL}, "bootstrap", "--identities", file, "--kratos-public-url", k.PublicURL, "-o", "json")
	if r.Code != 0 {
		t.Fatalf("bootstrap exited %d:\n%s", r.Code, r.Stderr)
	}
	admin := bsAdmin{t: t, base: k.AdminURL}
	for email, want := range map[string]bool{"vouched@example.com": true, "pending@example.com": false} {
		code, body := admin.do(http.MethodGet, "/admin/identities?credentials_identifier="+email, nil)
		var ids []struct {
			VerifiableAddresses []struct {
				Value    string `json:"value"`
				Verified bool   `json:"verified"`
				Status   string `json:"status"`
			} `json:"verifiable_addresses"`
		}
		if code != http.StatusOK || json.Unmarshal(body, &ids) != nil || len(ids) != 1 || len(ids[0].VerifiableAddresses) != 1 {
			t.Fatalf("%s: %d %s", email, code, body)
		}
		a := ids[0].VerifiableAddresses[0]
		if a.Value != email || a.Verified != want || (a.Status == "completed") != want {
			t.Errorf("%s: stored %+v, want verified %v", email, a, want)
		}
	}
	// An address that is no verification trait of the identity would be
	// dropped by Kratos without a word: bootstrap refuses it, at its line.
	other := e2e.WriteFile(t, t.TempDir(), "other.yaml", []byte(`identities:
  - traits: {email: someone@example.com}
    verifiable_addresses: [{value: else@example.com, via: email, verified: true}]
`))
	r = e2e.Run(t, bin, []string{"KRATOS_ADMIN_URL=" + k.AdminURL}, "bootstrap", "--identities", other, "--kratos-public-url", k.PublicURL, "-o", "json")
	if s := bsJSON(t, r); r.Code == 0 || len(s.Errors) != 1 || !strings.Contains(s.Errors[0].Message, "marks for verification") || s.Errors[0].Source != other+":2" {
		t.Errorf("an address outside the traits was not refused: %d %+v", r.Code, s.Errors)
	}
	// A verified address with another status is refused before any request.
	bad := e2e.WriteFile(t, t.TempDir(), "bad.yaml", []byte(`identities:
  - traits: {email: x@example.com}
    verifiable_addresses: [{value: x@example.com, via: email, verified: true, status: pending}]
`))
	if r := e2e.Run(t, bin, []string{"KRATOS_ADMIN_URL=" + k.AdminURL}, "bootstrap", "--identities", bad, "--kratos-public-url", k.PublicURL); r.Code == 0 || !strings.Contains(r.Stderr, "bad.yaml:2") || !strings.Contains(r.Stderr, "a verified address has status completed") {
		t.Errorf("an inconsistent address was not refused at its line: %d\n%s", r.Code, r.Stderr)
	}
}
