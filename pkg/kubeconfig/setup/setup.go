// Package setup registers the kubectl client in Hydra and writes the
// kubeconfig user and context that run the exec credential plugin. It
// imports client-go's clientcmd, so the plugin binary never links it.
package setup

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/pkg/sibling"
)

// KubectlScopes are the scopes the kubectl client may request; groupsScope
// is the profile's spec.kubernetes.claims.groupsScope (default groups), the
// scope the token hook releases the groups claim for.
func KubectlScopes(groupsScope string) []string {
	if groupsScope == "" {
		groupsScope = "groups"
	}
	return []string{"openid", "offline_access", "email", groupsScope}
}

// KubectlClient is the Hydra OAuth2 client for kubectl: public (no secret),
// authorization code with PKCE and refresh tokens, exact redirect URIs.
//
// extraScopes are allowed besides KubectlScopes: the cluster:NAME scopes of
// spec.kubernetes.clusters.
func KubectlClient(clientID string, redirectURIs []string, groupsScope string, extraScopes ...string) map[string]any {
	return map[string]any{
		"client_id":                  clientID,
		"client_name":                "kubectl (authctl)",
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"scope":                      strings.Join(append(KubectlScopes(groupsScope), extraScopes...), " "),
		"redirect_uris":              redirectURIs,
		"metadata":                   map[string]any{ory.ManagedByKey: ory.ManagedByValue},
	}
}

// RegisterClient creates or replaces the client through Hydra's admin API
// (ory.RegisterClient, the one Hydra client writer besides bootstrap's
// sync, which adds the ownership marker).
var RegisterClient = ory.RegisterClient

// Kubeconfig names what WriteKubeconfig writes.
type Kubeconfig struct {
	// Path is the file to write; empty means the first file of $KUBECONFIG
	// or ~/.kube/config.
	Path string
	// Cluster must exist in the file; empty means the current context's.
	Cluster string
	Context string
	User    string
	// Command and Args run the plugin.
	Command string
	Args    []string
	// SetCurrent makes Context the current context.
	SetCurrent bool
	// NonInteractive writes interactiveMode Never, for grants that never
	// need a person (client credentials).
	NonInteractive bool
}

// DefaultPath is where WriteKubeconfig writes when Path is empty.
func DefaultPath() string {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if len(rules.Precedence) > 0 {
		return rules.Precedence[0]
	}
	return clientcmd.RecommendedHomeFile
}

// WriteKubeconfig adds or replaces the user and context and keeps every
// other entry of the file. The exec entry uses apiVersion
// client.authentication.k8s.io/v1 and interactiveMode IfAvailable, so
// kubectl tells the plugin whether a person can answer (Never when
// NonInteractive).
func WriteKubeconfig(k Kubeconfig) (string, error) {
	path := k.Path
	if path == "" {
		path = DefaultPath()
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg = clientcmdapi.NewConfig()
	} else if err != nil {
		return "", fmt.Errorf("could not read kubeconfig %s: %w", path, err)
	}
	cluster := k.Cluster
	if cluster == "" {
		if c, ok := cfg.Contexts[cfg.CurrentContext]; ok {
			cluster = c.Cluster
		}
	}
	if cluster == "" {
		return "", fmt.Errorf("kubeconfig %s has no current context to take the cluster from: pass --cluster", path)
	}
	if _, ok := cfg.Clusters[cluster]; !ok {
		return "", fmt.Errorf("kubeconfig %s has no cluster %q", path, cluster)
	}
	mode := clientcmdapi.IfAvailableExecInteractiveMode
	if k.NonInteractive {
		mode = clientcmdapi.NeverExecInteractiveMode
	}
	cfg.AuthInfos[k.User] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		APIVersion:      kubeconfig.ExecAPIv1,
		Command:         k.Command,
		Args:            k.Args,
		InteractiveMode: mode,
		InstallHint:     installHint,
	}}
	cfg.Contexts[k.Context] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: k.User}
	if k.SetCurrent {
		cfg.CurrentContext = k.Context
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("could not create %s: %w", filepath.Dir(path), err)
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("could not write kubeconfig %s: %w", path, err)
	}
	return path, nil
}

// installHint is what kubectl prints when the exec command is missing.
const installHint = "authctl-get-token is part of authctl: https://authctl.dev/docs/kubectl\n" +
	"(or point the exec command at `authctl get-token`)"

// Plugin is the exec command a kubeconfig user runs.
type Plugin struct {
	Command string
	// Args come before the get-token flags ("get-token" for authctl).
	Args []string
	// OnPath reports a command kubectl finds through PATH.
	OnPath bool
}

// PluginCommand picks the plugin kubectl runs: authctl-get-token (a cache
// hit costs about as much as starting a process), else authctl get-token.
// A command on PATH is written by name, as kubelogin's is, so that a
// package-manager upgrade (a new Cellar or krew path) does not break the
// kubeconfig; absolute writes the path PATH gave instead, symlinks kept.
// self, the running authctl, is used only when neither is on PATH.
func PluginCommand(self string, absolute bool) Plugin {
	name := func(found, base string) string {
		if !absolute {
			return base
		}
		if abs, err := filepath.Abs(found); err == nil {
			return abs
		}
		return found
	}
	if p, err := lookPath("authctl-get-token"); err == nil {
		return Plugin{Command: name(p, "authctl-get-token"), OnPath: true}
	}
	if self != "" {
		if p, ok := sibling.Beside(self, "authctl-get-token"); ok {
			return Plugin{Command: p}
		}
	}
	// krew installs authctl as kubectl-authctl, without the lean plugin.
	for _, bin := range []string{"authctl", "kubectl-authctl"} {
		if p, err := lookPath(bin); err == nil {
			return Plugin{Command: name(p, bin), Args: []string{"get-token"}, OnPath: true}
		}
	}
	return Plugin{Command: self, Args: []string{"get-token"}}
}

// ExecArgs turns options into plugin arguments, in a stable order. The
// client secret is never written: CI passes it in AUTHCTL_CLIENT_SECRET.
// Neither are --force-refresh and --log-level, which are for one run: in
// a kubeconfig they would refresh, or log, on every kubectl call.
func ExecArgs(o *kubeconfig.Options) []string {
	args := []string{"--issuer-url=" + o.IssuerURL, "--client-id=" + o.ClientID}
	if o.Grant != "" && o.Grant != kubeconfig.GrantAuthCode {
		args = append(args, "--grant-type="+o.Grant)
	}
	for _, s := range o.ExtraScopes {
		args = append(args, "--scope="+s)
	}
	for _, a := range o.Audiences {
		args = append(args, "--audience="+a)
	}
	for _, k := range slices.Sorted(maps.Keys(o.AuthParams)) {
		args = append(args, "--auth-param="+k+"="+o.AuthParams[k])
	}
	for _, f := range o.CAFiles {
		if abs, err := filepath.Abs(f); err == nil {
			args = append(args, "--certificate-authority="+abs)
		}
	}
	if len(o.CAData) > 0 {
		// Part of the cache key: without it get-token would neither trust
		// the issuer nor find the token login cached.
		args = append(args, "--certificate-authority-data="+base64.StdEncoding.EncodeToString(o.CAData))
	}
	if o.Insecure {
		args = append(args, "--insecure-skip-tls-verify")
	}
	if o.RedirectURL != "" {
		args = append(args, "--redirect-url="+o.RedirectURL)
	}
	if o.ClusterAudience != "" {
		args = append(args, "--cluster-audience="+o.ClusterAudience)
	}
	for _, l := range o.Listen {
		args = append(args, "--listen="+l)
	}
	if o.RedirectHost != "" && o.RedirectHost != "127.0.0.1" {
		args = append(args, "--redirect-host="+o.RedirectHost)
	}
	if o.RedirectWithoutPath {
		args = append(args, "--redirect-without-path")
	}
	if o.BrowserCommand != "" {
		args = append(args, "--browser-command="+o.BrowserCommand)
	}
	if o.SkipOpenBrowser {
		args = append(args, "--skip-open-browser")
	}
	if o.AuthenticationTimeout > 0 {
		args = append(args, fmt.Sprintf("--authentication-timeout-sec=%d", int(o.AuthenticationTimeout.Seconds())))
	}
	if o.LockTimeout > 0 && o.LockTimeout != kubeconfig.DefaultLockTimeout {
		args = append(args, "--lock-timeout="+o.LockTimeout.String())
	}
	if o.CacheDir != "" {
		args = append(args, "--token-cache-dir="+o.CacheDir)
	}
	if o.Storage != "" && o.Storage != kubeconfig.StorageDisk {
		args = append(args, "--token-cache-storage="+o.Storage)
	}
	if o.BrowserLaunchLimit != 0 && o.BrowserLaunchLimit != kubeconfig.DefaultBrowserLaunchLimit {
		args = append(args, "--browser-launch-limit="+strconv.Itoa(o.BrowserLaunchLimit))
	}
	if o.BrowserLaunchWindow > 0 && o.BrowserLaunchWindow != kubeconfig.DefaultBrowserLaunchWindow {
		args = append(args, "--browser-launch-window="+o.BrowserLaunchWindow.String())
	}
	return args
}
