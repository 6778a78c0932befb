package cli

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubeconfigSetupKubeloginParity writes a kubeconfig with only an
// issuer and a client id (no profile) and lets kubectl read it: the exec
// command is found through PATH, every get-token flag is there, and a
// client-credentials user is never interactive.
func TestKubeconfigSetupKubeloginParity(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl not on PATH")
	}
	// An API server that accepts only the token the fake plugin prints.
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token-from-plugin" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer api.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})

	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	argsLog := filepath.Join(dir, "args.log")
	plugin := "#!/bin/sh\necho \"$@\" > \"$PLUGIN_ARGS_LOG\"\n" +
		`printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-from-plugin"}}'` + "\n"
	if err := os.WriteFile(filepath.Join(bin, "authctl-get-token"), []byte(plugin), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("PLUGIN_ARGS_LOG", argsLog)

	kc := filepath.Join(dir, "config")
	os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: "+api.URL+
		"\n    certificate-authority-data: "+base64.StdEncoding.EncodeToString(ca)+"\ncontexts:\n- name: admin\n  context: {cluster: prod, user: admin}\ncurrent-context: admin\nusers:\n- name: admin\n  user: {token: x}\n"), 0o600)

	_, errOut, code := run(t, "kubeconfig", "setup", "--issuer-url", "https://oauth.example.com/", "--client-id", "kubectl",
		"--kubeconfig", kc, "--no-login", "--browser-launch-limit", "5", "--browser-launch-window", "2m", "--scope", "email")
	if code != 0 {
		t.Fatalf("setup: %s", errOut)
	}
	_, errOut, code = run(t, "kubeconfig", "setup", "--issuer-url", "https://oauth.example.com/", "--client-id", "ci",
		"--grant-type", "client-credentials", "--audience", "kubernetes", "--kubeconfig", kc, "--no-login", "--context", "ci", "--user", "ci")
	if code != 0 {
		t.Fatalf("setup (client credentials): %s", errOut)
	}

	// kubectl's own reading of the file.
	view, err := exec.Command("kubectl", "--kubeconfig", kc, "config", "view", "-o", "json").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl config view: %v\n%s", err, view)
	}
	var cfg struct {
		Contexts []struct {
			Name    string
			Context struct{ Cluster, User string }
		}
		Users []struct {
			Name string
			User struct {
				Exec struct {
					Command         string
					Args            []string
					InteractiveMode string `json:"interactiveMode"`
				}
			}
		}
	}
	if err := json.Unmarshal(view, &cfg); err != nil {
		t.Fatal(err)
	}
	users := map[string][]string{}
	modes := map[string]string{}
	for _, u := range cfg.Users {
		if u.User.Exec.Command != "" && u.User.Exec.Command != "authctl-get-token" {
			t.Errorf("user %s runs %q, want authctl-get-token resolved through PATH", u.Name, u.User.Exec.Command)
		}
		users[u.Name] = u.User.Exec.Args
		modes[u.Name] = u.User.Exec.InteractiveMode
	}
	args := strings.Join(users["oidc-oauth.example.com"], " ")
	for _, want := range []string{"--issuer-url=https://oauth.example.com/", "--client-id=kubectl", "--scope=email", "--browser-launch-limit=5", "--browser-launch-window=2m0s"} {
		if !strings.Contains(args, want) {
			t.Errorf("exec args lack %s: %s", want, args)
		}
	}
	if modes["oidc-oauth.example.com"] != "IfAvailable" || modes["ci"] != "Never" {
		t.Errorf("interactiveMode: %v", modes)
	}
	found := false
	for _, c := range cfg.Contexts {
		found = found || c.Name == "oidc-oauth.example.com" && c.Context.Cluster == "prod" && c.Context.User == "oidc-oauth.example.com"
	}
	if !found {
		t.Errorf("no context oidc-oauth.example.com on cluster prod: %+v", cfg.Contexts)
	}

	// kubectl runs the plugin through PATH and sends its token.
	out, err := exec.Command("kubectl", "--kubeconfig", kc, "--context", "oidc-oauth.example.com", "get", "--raw", "/healthz").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("kubectl through the plugin: %v\n%s", err, out)
	}
	logged, _ := os.ReadFile(argsLog)
	if !strings.Contains(string(logged), "--browser-launch-limit=5") {
		t.Errorf("the plugin got %q", logged)
	}
}

func TestKubeconfigSetupFlags(t *testing.T) {
	cases := []flagCase[KubeconfigSetupOptions]{
		{args: []string{"setup"}, wantErr: "give -f PROFILE, or --issuer-url and --client-id"},
		{args: []string{"setup", "--issuer-url", "https://i/"}, wantErr: "give -f PROFILE, or --issuer-url and --client-id"},
		{args: []string{"setup", "-f", "p.yaml", "--exec-command", "x", "--exec-absolute-path"}, wantErr: "exclude each other"},
	}
	runFlagCases(t, newKubeconfigCommand, cases)
}
