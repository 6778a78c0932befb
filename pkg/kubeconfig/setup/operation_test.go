package setup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/kubeconfig"
)

// The setup operation without a server: no registration, no login, only
// the kubeconfig. The exec user runs the plugin with the flags as given
// (the cache key of get-token and login must match), a client-credentials
// user never asks kubectl for a terminal, and the file is private.
func TestSetupWritesTheExecUser(t *testing.T) {
	for _, tc := range []struct {
		name            string
		grant           string
		wantInteractive string
	}{
		{"browser login", "", "IfAvailable"},
		{"client credentials", kubeconfig.GrantClientCredentials, "Never"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			// The cluster exists already (the admin's kubeconfig); setup adds
			// a user and a context for it.
			if err := os.WriteFile(path, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: 'https://prod.example.com'}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			s := &Setup{
				Token:         kubeconfig.Options{IssuerURL: "https://oauth.example.com/", ClientID: "kubectl", Grant: tc.grant, CAData: []byte("-----BEGIN CERTIFICATE-----\n")},
				RedirectPorts: []int{18000, 18001},
				Plugin:        Plugin{Command: "authctl-get-token", OnPath: true},
				Kubeconfig:    Kubeconfig{Path: path, Cluster: "prod", Context: "prod-oidc", User: "oidc", SetCurrent: true},
			}
			res, err := s.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Path != path || res.Claims != nil || res.ClientCreated {
				t.Fatalf("result %+v", res)
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("kubeconfig mode: %v %v", fi, err)
			}
			cfg, err := clientcmd.LoadFromFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.CurrentContext != "prod-oidc" || cfg.Contexts["prod-oidc"].AuthInfo != "oidc" {
				t.Fatalf("context: %q %+v", cfg.CurrentContext, cfg.Contexts["prod-oidc"])
			}
			exec := cfg.AuthInfos["oidc"].Exec
			if exec == nil || exec.Command != "authctl-get-token" || string(exec.InteractiveMode) != tc.wantInteractive {
				t.Fatalf("exec %+v", exec)
			}
			if want := ExecArgs(&s.Token); !slices.Equal(exec.Args, want) {
				t.Errorf("exec args %q, want the flags as given %q", exec.Args, want)
			}
			if !strings.Contains(strings.Join(exec.Args, " "), "--certificate-authority-data") {
				t.Errorf("the CA is not in the exec args: %q", exec.Args)
			}
		})
	}
}

// The registered client follows the redirect host: with 127.0.0.1 Hydra
// ignores the port, with localhost every port is registered.
func TestSetupClientRedirectURIs(t *testing.T) {
	s := &Setup{Token: kubeconfig.Options{ClientID: "kubectl"}, RedirectPorts: []int{18000, 18001}, GroupsScope: "groups"}
	uris := s.Client()["redirect_uris"].([]string)
	if !slices.Equal(uris, []string{"http://127.0.0.1:18000/callback", "http://127.0.0.1:18001/callback"}) {
		t.Errorf("default host: %q", uris)
	}
	s.Token.RedirectHost = "localhost"
	if uris := s.Client()["redirect_uris"].([]string); !strings.HasPrefix(uris[0], "http://localhost:18000/") {
		t.Errorf("localhost: %q", uris)
	}
}

// Setup asks for offline_access for a browser login, with or without a
// profile (issue 22): without it Hydra issues no refresh token and the
// person is sent to the browser every id_token lifetime. The real-Hydra
// proof is TestKubectlOIDCLogin's "setup without a profile gets a refresh
// token".
func TestSetupAsksForOfflineAccess(t *testing.T) {
	for _, tc := range []struct {
		grant  string
		scopes []string
		want   string
	}{
		{"", []string{"email", "groups"}, "offline_access,email,groups"},
		{"", nil, "offline_access"},
		{"", []string{"email", "offline_access"}, "email,offline_access"},
		{kubeconfig.GrantClientCredentials, []string{"api"}, "api"},
	} {
		path := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(path, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: 'https://prod.example.com'}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s := &Setup{
			Token:      kubeconfig.Options{IssuerURL: "https://oauth.example.com/", ClientID: "kubectl", Grant: tc.grant, ExtraScopes: tc.scopes},
			Plugin:     Plugin{Command: "authctl-get-token", OnPath: true},
			Kubeconfig: Kubeconfig{Path: path, Cluster: "prod", Context: "c", User: "u"},
		}
		if _, err := s.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		cfg, err := clientcmd.LoadFromFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range cfg.AuthInfos["u"].Exec.Args {
			if v, ok := strings.CutPrefix(a, "--scope="); ok {
				got = append(got, v)
			}
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("grant %q scopes %v: exec scopes %v, want %s", tc.grant, tc.scopes, got, tc.want)
		}
	}
}

// TestSetupRegistersThroughTheForward: with HydraAdminForward the client
// is registered at the forward's URL (here a closed port, named in the
// error), and a forward that cannot be opened stops the run before
// anything is written, as a cluster.ForwardError.
func TestSetupRegistersThroughTheForward(t *testing.T) {
	target := cluster.Target{Service: "dev-hydra-admin", Port: 4445}
	var log strings.Builder
	s := &Setup{Token: kubeconfig.Options{ClientID: "kubectl"}, Log: &log,
		HydraAdminForward: &Forward{Forwarder: cluster.StaticForwarder{"auth/dev-hydra-admin:4445": "http://127.0.0.1:1"}, Namespace: "auth", Target: target}}
	if _, err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("register through the forward: %v", err)
	}
	if log.String() != "forwarding dev-hydra-admin to http://127.0.0.1:1\n" {
		t.Errorf("log %q", log.String())
	}
	s.HydraAdminForward.Forwarder = cluster.StaticForwarder{}
	_, err := s.Run(context.Background())
	var fe *cluster.ForwardError
	if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "could not port-forward Hydra's admin Service: no forward for auth/dev-hydra-admin:4445") {
		t.Fatalf("no forward: %v", err)
	}
}
