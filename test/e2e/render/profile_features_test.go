package render_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// renderProfileText renders a profile written inline, with extra files
// (bootstrap inputs, schemas) next to it, the way `authctl render` does.
func renderProfileText(t *testing.T, name, text string, files map[string]string) e2e.Rendered {
	t.Helper()
	dir := t.TempDir()
	for n, data := range files {
		e2e.WriteFile(t, dir, n, []byte(data))
	}
	path := e2e.WriteFile(t, dir, name+".yaml", []byte(text))
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return e2e.RenderProfile(t, name, p)
}

const spaProfile = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: spa
spec:
  domain: example.com
  bootstrap:
    clients: clients.yaml
`

// spaClients is the seed architecture's browser app: a public client with
// the authorization code grant and PKCE, next to kubectl's loopback client.
const spaClients = `clients:
  - client_id: dashboard
    client_name: Dashboard SPA
    grant_types: [authorization_code, refresh_token]
    response_types: [code]
    token_endpoint_auth_method: none
    redirect_uris: [https://app.example.com/callback]
  - client_id: kubectl
    grant_types: [authorization_code, refresh_token]
    token_endpoint_auth_method: none
    redirect_uris: [http://127.0.0.1:18000/]
`

// preflight sends a browser's CORS preflight for a POST to Hydra's token
// endpoint and returns the Access-Control-Allow-Origin it got.
func preflight(t *testing.T, c *http.Client, tokenURL, origin string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, tokenURL, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin")
}

// TestSPACORSOnRealHydra: the rendered Hydra config, on the real Hydra
// v2.3.0, answers a CORS preflight to the token endpoint for the origin of
// the SPA client the profile bootstraps, and refuses another origin. Without
// the SPA (public CORS off) even a client's own allowed_cors_origins is
// ignored, which is why the profile turns public CORS on.
func TestSPACORSOnRealHydra(t *testing.T) {
	stack.Require(t)
	r := renderProfileText(t, "spa", spaProfile, map[string]string{"clients.yaml": spaClients})
	cfg := e2e.HydraConfig(t, r)
	if got := e2e.Get(cfg, "serve.public.cors.allowed_origins"); e2e.MustJSON(t, got) != `["https://app.example.com"]` {
		t.Fatalf("rendered allowed_origins %v", got)
	}
	h, err := stack.TryStartHydra(t, stack.HydraOptions{Config: cfg})
	if err != nil {
		t.Fatalf("real Hydra rejected the rendered config:\n%v", err)
	}
	h.CreateClient(t, map[string]any{"client_id": "dashboard", "grant_types": []string{"authorization_code", "refresh_token"},
		"response_types": []string{"code"}, "token_endpoint_auth_method": "none", "redirect_uris": []string{"https://app.example.com/callback"}})
	token := h.PublicURL + "oauth2/token"
	status, allow := preflight(t, h.HTTPClient, token, "https://app.example.com")
	if status >= 300 || allow != "https://app.example.com" {
		t.Errorf("SPA origin: preflight HTTP %d, Access-Control-Allow-Origin %q", status, allow)
	}
	if _, allow := preflight(t, h.HTTPClient, token, "https://evil.example.net"); allow != "" {
		t.Errorf("another origin got Access-Control-Allow-Origin %q", allow)
	}
	if _, allow := preflight(t, h.HTTPClient, token, "http://127.0.0.1:18000"); allow != "" {
		t.Errorf("kubectl's loopback origin got Access-Control-Allow-Origin %q", allow)
	}

	// Without browser clients public CORS stays off, and Hydra then ignores
	// a client's own allowed_cors_origins.
	plain := renderProfileText(t, "nospa", strings.Replace(spaProfile, "  bootstrap:\n    clients: clients.yaml\n", "", 1), nil)
	cfg = e2e.HydraConfig(t, plain)
	if e2e.Get(cfg, "serve.public.cors.enabled") != false {
		t.Fatalf("public CORS on without browser clients: %v", e2e.Get(cfg, "serve.public.cors"))
	}
	h2, err := stack.TryStartHydra(t, stack.HydraOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	h2.CreateClient(t, map[string]any{"client_id": "dashboard", "grant_types": []string{"authorization_code"}, "token_endpoint_auth_method": "none",
		"redirect_uris": []string{"https://app.example.com/callback"}, "allowed_cors_origins": []string{"https://app.example.com"}})
	if _, allow := preflight(t, h2.HTTPClient, h2.PublicURL+"oauth2/token", "https://app.example.com"); allow != "" {
		t.Errorf("public CORS off, yet Access-Control-Allow-Origin %q", allow)
	}
}

// staffSSO is the common staff setup: Google plus security keys, no
// password at all.
const staffSSO = `apiVersion: authctl.dev/v1alpha1
kind: Profile
metadata:
  name: staff
spec:
  domain: example.com
  kratos:
    methods: [webauthn]
    webauthn:
      passwordless: true
    oidcProviders:
      - id: google
        provider: google
        clientID: staff.apps.googleusercontent.com
        clientSecretRef: {name: google-oauth}
        hostedDomain: example.com
`

// loginFlowGroups starts a browser login flow on Kratos and returns the
// groups of its UI nodes and the names of its input nodes.
func loginFlowGroups(t *testing.T, publicURL string) (groups, names map[string]bool) {
	t.Helper()
	var flow struct {
		UI struct {
			Nodes []struct {
				Group      string
				Attributes struct{ Name string }
			}
		}
	}
	jar, _ := cookiejar.New(nil)
	e2e.DoJSON(t, &http.Client{Jar: jar, Timeout: 10 * time.Second}, "GET", publicURL+"self-service/login/browser", nil, http.StatusOK, &flow)
	groups, names = map[string]bool{}, map[string]bool{}
	for _, n := range flow.UI.Nodes {
		groups[n.Group] = true
		names[n.Attributes.Name] = true
	}
	return groups, names
}

// TestPasswordlessLoginOnRealKratos: the rendered Kratos config, on the real
// Kratos v1.3.1, offers passwordless webauthn (with Google) or passkeys as
// the first factor, and no password.
func TestPasswordlessLoginOnRealKratos(t *testing.T) {
	stack.Require(t)
	cases := []struct {
		name, profile, want string
	}{
		{"webauthn passwordless and google", staffSSO, "webauthn"},
		{"passkeys", strings.Replace(staffSSO, "    methods: [webauthn]\n    webauthn:\n      passwordless: true\n", "    methods: [passkey]\n", 1), "passkey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := renderProfileText(t, "staff", tc.profile, nil)
			cfg := e2e.KratosConfig(t, r)
			if e2e.Get(cfg, "selfservice.methods.password.enabled") != false {
				t.Fatalf("password not disabled: %v", e2e.Get(cfg, "selfservice.methods.password"))
			}
			k := e2e.StartKratos(t, r, nil)
			groups, names := loginFlowGroups(t, k.PublicURL)
			t.Logf("login flow groups %v, inputs %v", groups, names)
			if !groups[tc.want] {
				t.Errorf("the login flow offers no %s", tc.want)
			}
			if !groups["oidc"] {
				t.Errorf("the login flow offers no Google sign-in")
			}
			if groups["password"] || names["password"] {
				t.Errorf("the login flow offers a password")
			}
		})
	}
}

// ruleFiles returns the rendered rules files in the order of Oathkeeper's
// access_rules.repositories, each read from its own ConfigMap.
func ruleFiles(t *testing.T, r e2e.Rendered) [][]byte {
	t.Helper()
	var out [][]byte
	for _, f := range render.BuildRules(r.Profile).Files {
		var data string
		for _, o := range r.Res.Objects {
			if o.Kind == "ConfigMap" && o.Name == f.ConfigMap {
				data = r.ConfigMapData(t, o.Name)["access-rules.json"]
			}
		}
		if data == "" {
			t.Fatalf("no ConfigMap %s", f.ConfigMap)
		}
		out = append(out, []byte(data))
	}
	return out
}

// TestSplitRulesOnRealOathkeeper: 3000 services' rules, split over several
// ConfigMaps with the default deny chunked by host, load into the real
// Oathkeeper as several repositories, and every request still matches
// exactly one rule (Oathkeeper answers 500 for two and 404 for none).
func TestSplitRulesOnRealOathkeeper(t *testing.T) {
	stack.Require(t)
	text := strings.Replace(string(profile.ManyServices(3000)), "allow: [session]", "allow: [anonymous]", -1)
	text = strings.Replace(text, "  services:\n", "  gateway: {target: istio}\n  services:\n", 1)
	r := renderProfileText(t, "many", text, nil)
	files := ruleFiles(t, r)
	if len(files) < 3 {
		t.Fatalf("%d rules files", len(files))
	}
	for _, o := range r.Res.Objects {
		if len(o.YAML) > render.MaxObjectBytes {
			t.Errorf("%s %s is %d bytes", o.Kind, o.Name, len(o.YAML))
		}
	}
	cfg, _ := e2e.OathkeeperConfig(t, r)
	if n := len(e2e.Get(cfg, "access_rules.repositories").([]any)); n != len(files) {
		t.Fatalf("%d repositories for %d files", n, len(files))
	}
	o, err := stack.TryStartOathkeeper(t, stack.OathkeeperOptions{Config: cfg, Rules: files})
	if err != nil {
		t.Fatalf("real Oathkeeper rejected the split rules:\n%v", err)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	decide := func(method, host, path string) int {
		req, _ := http.NewRequest(method, o.APIURL+"decisions"+path, nil)
		req.Host = host
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Oathkeeper reports ready before it has read every repository: wait
	// until the last file's rules (the undeclared-hosts deny) answer.
	for deadline := time.Now().Add(20 * time.Second); decide("GET", "undeclared.example.com", "/") == http.StatusNotFound; {
		if time.Now().After(deadline) {
			t.Fatal("the last rules file never loaded")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Services from the first and the last files, and the chunks between.
	for _, i := range []int{0, 1, 777, 1500, 2222, 2998, 2999} {
		host := fmt.Sprintf("app%d.example.com", i/2)
		if got := decide("GET", host, fmt.Sprintf("/p%d/x", i%2)); got != http.StatusOK {
			t.Errorf("service s%d: HTTP %d, want 200", i, got)
		}
		if got := decide("GET", host, "/other"); got != http.StatusUnauthorized {
			t.Errorf("unserved path on %s: HTTP %d, want 401 (default deny)", host, got)
		}
		if got := decide("DELETE", host, fmt.Sprintf("/p%d/../x", i%2)); got != http.StatusUnauthorized {
			t.Errorf("dot segment on %s: HTTP %d, want 401 (default deny)", host, got)
		}
	}
	if got := decide("GET", "undeclared.example.com", "/p0/x"); got != http.StatusUnauthorized {
		t.Errorf("undeclared host: HTTP %d, want 401 (default deny)", got)
	}
}

// TestValidateStopsOnSIGTERM: `authctl validate` on a large profile stops
// promptly on SIGTERM with the cancelled exit code, instead of finishing.
func TestValidateStopsOnSIGTERM(t *testing.T) {
	bin := e2e.Authctl(t)
	file := e2e.WriteFile(t, t.TempDir(), "big.yaml", profile.ManyServices(100000))
	run := func(signal bool) (time.Duration, int, string) {
		cmd := exec.Command(bin, "validate", "-f", file)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if signal {
			time.Sleep(300 * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
		_ = cmd.Wait()
		return time.Since(start), cmd.ProcessState.ExitCode(), stderr.String()
	}
	full, code, out := run(false)
	if code != 0 {
		t.Fatalf("validate of 100,000 services: exit %d\n%s", code, out)
	}
	stopped, code, out := run(true)
	t.Logf("full validate %v, stopped after SIGTERM at 300ms: %v", full, stopped)
	if code != 2 || !strings.Contains(out, "cancelled") {
		t.Fatalf("want exit 2 and \"cancelled\", got %d:\n%s", code, out)
	}
	if stopped > 300*time.Millisecond+time.Second || stopped >= full {
		t.Errorf("took %v to stop (the whole validate takes %v)", stopped, full)
	}
}
