package setup

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/authctl/authctl/pkg/atomicfile"
	"github.com/authctl/authctl/pkg/kubeconfig"
)

// Migrate is the `authctl kubeconfig migrate` operation: it rewrites the
// kubeconfig users that run kubelogin's get-token (`kubectl oidc-login
// get-token …`, `kubelogin get-token …`, `kubectl-oidc_login get-token …`)
// to run authctl's plugin with the same issuer, client, scopes, CA and
// redirect, and keeps everything else in the file.
type Migrate struct {
	// Path is the kubeconfig; empty means the first file of $KUBECONFIG or
	// ~/.kube/config.
	Path string
	// Plugin is the exec command to write.
	Plugin Plugin
	// DryRun computes the result and the diff without writing.
	DryRun bool
}

// MigratedUser is one rewritten kubeconfig user.
type MigratedUser struct {
	Name string
	// Notes say what changed beyond the names of the flags.
	Notes []string
}

// MigrateResult is what Run did (or, with DryRun, would do).
type MigrateResult struct {
	Path  string
	Users []MigratedUser
	// Diff is a unified diff of the file as client-go writes it, before
	// and after ("" when nothing changed).
	Diff string
}

// kubeloginDefaults are kubelogin v1.31.0's defaults that decide its
// redirect URI: http://localhost:8000 (then :18000), with no path. A
// migrated user keeps them, so the client registered for kubelogin still
// matches.
var kubeloginDefaults = struct {
	Listen       []string
	RedirectHost string
}{[]string{"127.0.0.1:8000", "127.0.0.1:18000"}, "localhost"}

// Run rewrites the users and writes the file atomically (mode kept).
func (m *Migrate) Run() (*MigrateResult, error) {
	path := m.Path
	if path == "" {
		path = DefaultPath()
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read kubeconfig %s: %w", path, err)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		return nil, fmt.Errorf("could not read kubeconfig %s: %w", path, err)
	}
	before, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("could not encode kubeconfig %s: %w", path, err)
	}
	res := &MigrateResult{Path: path}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(cfg.AuthInfos)) {
		ai := cfg.AuthInfos[name]
		args, ok := kubeloginArgs(ai.Exec)
		if !ok {
			continue
		}
		exec, notes, err := m.migrateExec(ai.Exec, args)
		if err != nil {
			errs = append(errs, fmt.Errorf("user %q: %w", name, err))
			continue
		}
		ai.Exec = exec
		res.Users = append(res.Users, MigratedUser{Name: name, Notes: notes})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("could not migrate %s (nothing written): %w", path, err)
	}
	if len(res.Users) == 0 {
		return res, nil
	}
	after, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("could not encode kubeconfig %s: %w", path, err)
	}
	res.Diff, err = difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(before)), B: difflib.SplitLines(string(after)),
		FromFile: path, ToFile: path + " (migrated)", Context: 3,
	})
	if err != nil {
		return nil, err
	}
	if m.DryRun {
		return res, nil
	}
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := atomicfile.Write(path, after, mode); err != nil {
		return nil, fmt.Errorf("could not write kubeconfig %s: %w", path, err)
	}
	return res, nil
}

// kubeloginArgs returns the get-token flags of an exec entry that runs
// kubelogin, and whether it does.
func kubeloginArgs(e *clientcmdapi.ExecConfig) ([]string, bool) {
	if e == nil {
		return nil, false
	}
	cmd := strings.TrimSuffix(filepath.Base(e.Command), ".exe")
	switch {
	case cmd == "kubectl" && len(e.Args) >= 2 && e.Args[0] == "oidc-login" && e.Args[1] == "get-token":
		return e.Args[2:], true
	case (cmd == "kubelogin" || cmd == "kubectl-oidc_login" || cmd == "kubectl-oidc-login") && len(e.Args) >= 1 && e.Args[0] == "get-token":
		return e.Args[1:], true
	}
	return nil, false
}

// migrateExec maps kubelogin's flags to authctl's through the aliases
// get-token itself accepts, so a flag authctl refuses fails the same way.
func (m *Migrate) migrateExec(old *clientcmdapi.ExecConfig, args []string) (*clientcmdapi.ExecConfig, []string, error) {
	fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &kubeconfig.Options{}
	kubeconfig.BindFlags(fs, o)
	if err := fs.Parse(kubeconfig.KlogVerbosity(args)); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var notes []string
	if !set["listen-address"] && !set["listen-port"] && !set["listen"] {
		o.Listen = slices.Clone(kubeloginDefaults.Listen)
	}
	if !set["oidc-redirect-url-hostname"] && !set["redirect-host"] {
		o.RedirectHost = kubeloginDefaults.RedirectHost
	}
	if !set["redirect-without-path"] {
		o.RedirectWithoutPath = true
	}
	notes = append(notes, fmt.Sprintf("kept kubelogin's redirect URI http://%s:PORT (ports of %s), so the client registered for kubelogin still matches", o.RedirectHost, strings.Join(o.Listen, ", ")))
	if o.Grant == "auto" {
		o.Grant = kubeconfig.GrantAuthCode
	}
	if err := o.ValidateGrant(); err != nil {
		return nil, nil, err
	}
	if o.Grant == kubeconfig.GrantAuthCodeKeyboard && (o.RedirectURL == "" || strings.HasPrefix(o.RedirectURL, "urn:")) {
		return nil, nil, fmt.Errorf("kubelogin's authcode-keyboard redirects to %s, which Hydra does not offer: set up this user with `authctl kubeconfig setup -f PROFILE --grant-type %s` (the login UI's code page)",
			cmp.Or(o.RedirectURL, "urn:ietf:wg:oauth:2.0:oob"), kubeconfig.GrantAuthCodeKeyboard)
	}
	if o.ForceRefresh || set["v"] || set["log-level"] {
		notes = append(notes, "dropped --force-refresh and -v: in a kubeconfig they would refresh, or log, on every kubectl call")
	}
	env := slices.Clone(old.Env)
	if o.ClientSecret != "" {
		// authctl never puts the secret on a command line (other users
		// see it in ps): it moves to the exec environment, still in this
		// file as it was.
		env = slices.DeleteFunc(env, func(e clientcmdapi.ExecEnvVar) bool { return e.Name == kubeconfig.ClientSecretEnv })
		env = append(env, clientcmdapi.ExecEnvVar{Name: kubeconfig.ClientSecretEnv, Value: o.ClientSecret})
		notes = append(notes, "moved the client secret from the arguments to the exec env "+kubeconfig.ClientSecretEnv)
	}
	apiVersion := old.APIVersion
	if apiVersion != kubeconfig.ExecAPIv1 && apiVersion != kubeconfig.ExecAPIv1beta1 {
		apiVersion = kubeconfig.ExecAPIv1
	}
	mode := old.InteractiveMode
	if mode == "" {
		mode = clientcmdapi.IfAvailableExecInteractiveMode
	}
	notes = append(notes, "authctl keeps its own token cache: the first kubectl call logs in once")
	return &clientcmdapi.ExecConfig{
		APIVersion:         apiVersion,
		Command:            m.Plugin.Command,
		Args:               append(slices.Clone(m.Plugin.Args), ExecArgs(o)...),
		Env:                env,
		InteractiveMode:    mode,
		ProvideClusterInfo: old.ProvideClusterInfo,
		InstallHint:        installHint,
	}, notes, nil
}
