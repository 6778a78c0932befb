package setup

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// TestExecArgsKeepsEveryGetTokenFlag sets each get-token flag to a value
// other than its default and checks that setup writes it into the exec
// arguments, so docs/kubectl.md's "every get-token flag is written" stays
// true when a flag is added.
func TestExecArgsKeepsEveryGetTokenFlag(t *testing.T) {
	notWritten := map[string]string{
		"client-secret": "never written: CI passes it in AUTHCTL_CLIENT_SECRET",
		// Carried over by issue 11's change to ExecArgs.
		"certificate-authority-data": "carried over separately",
		// For one run: in a kubeconfig they would refresh, or log, on
		// every kubectl call.
		"force-refresh": "one run only", "log-level": "one run only", "v": "one run only",
	}
	// kubelogin's names are aliases of flags checked here under their
	// authctl names.
	for _, k := range kubeconfig.KubeloginFlags {
		notWritten[k.Name] = "kubelogin alias"
	}
	values := map[string]string{
		"grant-type": kubeconfig.GrantClientCredentials, "redirect-host": "localhost", "token-cache-storage": "keyring",
		"listen": "127.0.0.1:18000", "auth-param": "prompt=login", "browser-launch-limit": "7", "browser-launch-window": "2m0s",
		"certificate-authority": "ca.pem", "authentication-timeout-sec": "42", "lock-timeout": "3s",
	}
	fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
	o := &kubeconfig.Options{}
	kubeconfig.BindFlags(fs, o)
	fs.VisitAll(func(f *flag.Flag) {
		if _, skip := notWritten[f.Name]; skip {
			return
		}
		v, ok := values[f.Name]
		if !ok {
			v = "x-" + f.Name
			if bf, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool && bf.IsBoolFlag() {
				v = "true"
			}
		}
		if err := fs.Set(f.Name, v); err != nil {
			t.Fatalf("--%s=%s: %v", f.Name, v, err)
		}
	})
	args := strings.Join(ExecArgs(o), " ")
	fs.VisitAll(func(f *flag.Flag) {
		if _, skip := notWritten[f.Name]; skip {
			return
		}
		if !strings.Contains(args, "--"+f.Name) {
			t.Errorf("setup drops --%s (exec args: %s)", f.Name, args)
		}
	})
	for _, want := range []string{"--browser-launch-limit=7", "--browser-launch-window=2m0s"} {
		if !strings.Contains(args, want) {
			t.Errorf("exec args lack %s: %s", want, args)
		}
	}
	// Defaults stay out of the kubeconfig.
	d := &kubeconfig.Options{}
	kubeconfig.BindFlags(flag.NewFlagSet("d", flag.ContinueOnError), d)
	d.IssuerURL, d.ClientID = "https://i/", "k"
	if got := strings.Join(ExecArgs(d), " "); got != "--issuer-url=https://i/ --client-id=k" {
		t.Errorf("defaults written: %s", got)
	}
}

// TestPluginCommand: a plugin on PATH is written by name (or its PATH
// entry, symlinks kept, with absolute); self is the last resort.
func TestPluginCommand(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "authctl")
	sibling := filepath.Join(dir, "authctl-get-token")
	onPath := map[string]string{}
	old := lookPath
	t.Cleanup(func() { lookPath = old })
	lookPath = func(name string) (string, error) {
		if p, ok := onPath[name]; ok {
			return p, nil
		}
		return "", errors.New("not found")
	}
	check := func(name string, absolute bool, want Plugin) {
		t.Helper()
		got := PluginCommand(self, absolute)
		if got.Command != want.Command || strings.Join(got.Args, " ") != strings.Join(want.Args, " ") || got.OnPath != want.OnPath {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	check("nothing anywhere", false, Plugin{Command: self, Args: []string{"get-token"}})
	os.WriteFile(sibling, []byte("#!/bin/sh\n"), 0o755)
	check("sibling only", false, Plugin{Command: sibling})
	onPath["kubectl-authctl"] = "/home/u/.krew/bin/kubectl-authctl"
	os.Remove(sibling)
	check("krew", false, Plugin{Command: "kubectl-authctl", Args: []string{"get-token"}, OnPath: true})
	onPath["authctl"] = "/opt/homebrew/bin/authctl"
	os.Remove(sibling)
	check("authctl on PATH", false, Plugin{Command: "authctl", Args: []string{"get-token"}, OnPath: true})
	onPath["authctl-get-token"] = "/opt/homebrew/bin/authctl-get-token"
	check("plugin on PATH", false, Plugin{Command: "authctl-get-token", OnPath: true})
	check("plugin on PATH, absolute", true, Plugin{Command: "/opt/homebrew/bin/authctl-get-token", OnPath: true})
}
