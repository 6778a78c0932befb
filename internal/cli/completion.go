package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/ory/input"
	"github.com/authctl/authctl/pkg/profile"
)

// registerCompletions adds cobra's `completion` command (bash, zsh, fish,
// powershell) and the dynamic completions that read the profile: the hosts
// of `rules test --url` and the client IDs of every --client-id flag. It
// walks the finished tree, so commands owned elsewhere need no change.
func registerCompletions(root *cobra.Command) {
	root.CompletionOptions.HiddenDefaultCmd = false
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Short = "Print the shell completion script for bash, zsh, fish or powershell"
		c.Long = `Completion prints the completion script of authctl for your shell. Beyond
commands and flags, it completes from the profile: the hosts of
'rules test --url' and the client IDs of every --client-id, read from -f
(or ./profile.yaml). See 'authctl completion SHELL --help' for how to load it.`
	}
	walk(root, func(c *cobra.Command) {
		// Flags with a fixed set of values offer those values, never files.
		for flag, values := range fixedFlagValues {
			if c.Flags().Lookup(flag) != nil {
				_ = c.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
			}
		}
		if c.Flags().Lookup("filename") != nil && c.Name() != "init" {
			_ = c.MarkFlagFilename("filename", "yaml", "yml")
		}
		if c.Flags().Lookup("url") != nil && c.Name() == "test" && c.Parent() != nil && c.Parent().Name() == "rules" {
			_ = c.RegisterFlagCompletionFunc("url", completeProfileURLs)
		}
		if c.Flags().Lookup("client-id") != nil {
			_ = c.RegisterFlagCompletionFunc("client-id", completeClientIDs)
		}
	})
}

// fixedFlagValues are the flags whose values are a fixed set, wherever
// they appear (a command that registered its own completion keeps it).
var fixedFlagValues = map[string][]string{
	"format":              {"stream", "kustomize", "helm"},
	"dry-run":             {"none", "client", "server"},
	"grant-type":          {"authcode", "client-credentials"},
	"token-cache-storage": {"disk", "keyring"},
	"progress":            {"auto", "bar", "plain", "none"},
	"secrets-format":      {"secret", "json"},
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// completionProfile loads the profile named by the command's -f flag, or
// ./profile.yaml; completion never prints errors, it just offers nothing.
func completionProfile(cmd *cobra.Command) *profile.Profile {
	file := "profile.yaml"
	if f := cmd.Flags().Lookup("filename"); f != nil && f.Value.String() != "" {
		file = f.Value.String()
	}
	p, err := profile.Load(file)
	if err != nil {
		return nil
	}
	return p
}

// completeProfileURLs offers https://HOST/PATH for every service host and
// path of the profile, and the stack's own hosts.
func completeProfileURLs(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p := completionProfile(cmd)
	if p == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	w := p.Wiring()
	var out []string
	add := func(host, path string) {
		u := w.Scheme + "://" + host + path
		if strings.HasPrefix(u, toComplete) && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	for _, s := range p.Spec.Services {
		for _, h := range s.Hosts {
			for _, path := range s.Paths {
				add(h, path)
			}
		}
	}
	for _, h := range []string{w.AuthHost, w.KratosHost, w.HydraHost} {
		add(h, "/")
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeClientIDs offers the kubectl client ID of the profile and the
// client_ids of its bootstrap clients file (or --clients), when present.
func completeClientIDs(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p := completionProfile(cmd)
	if p == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ids := []string{p.Spec.Kubernetes.ClientID}
	file := ""
	if p.Spec.Bootstrap.Clients != "" {
		file = p.ResolvePath(p.Spec.Bootstrap.Clients)
	}
	if f := cmd.Flags().Lookup("clients"); f != nil && f.Value.String() != "" {
		file = f.Value.String()
	}
	if file != "" {
		// Secrets referenced through env vars are irrelevant to the IDs.
		if clients, err := input.ReadClients(file, func(string) string { return "" }); err == nil {
			for _, c := range clients {
				ids = append(ids, c.ID)
			}
		}
	}
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, toComplete) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
