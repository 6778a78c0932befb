package cli

import (
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"
)

// TestHelpShowsOneDefaultPerFlag: no flag line says "(default" twice.
func TestHelpShowsOneDefaultPerFlag(t *testing.T) {
	for _, args := range [][]string{{"get-token", "--help"}, {"login", "--help"}, {"kubeconfig", "setup", "--help"}} {
		out, _, _ := run(t, args...)
		for _, line := range strings.Split(out, "\n") {
			if strings.Count(line, "default") > 1 {
				t.Errorf("%v: %s", args, strings.TrimSpace(line))
			}
		}
	}
}

// TestLogoutHelpListsOnlyWhatNamesALogin: logout lists the flags of the
// cache key, not the browser and redirect flags of login, yet accepts them.
func TestLogoutHelpListsOnlyWhatNamesALogin(t *testing.T) {
	out, _, _ := run(t, "logout", "--help")
	for _, hidden := range []string{"--listen", "--browser-command", "--browser-launch-limit", "--skip-open-browser", "--redirect-host"} {
		if strings.Contains(out, hidden) {
			t.Errorf("logout --help lists %s", hidden)
		}
	}
	for _, shown := range []string{"--issuer-url", "--client-id", "--scope", "--all"} {
		if !strings.Contains(out, shown) {
			t.Errorf("logout --help lacks %s", shown)
		}
	}
	var got *LogoutOptions
	cmd := newLogoutCommand(IOStreams{}, func(o *LogoutOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--issuer-url=https://i/", "--client-id=k", "--listen=127.0.0.1:1", "--skip-open-browser"})
	if err := cmd.Execute(); err != nil || got == nil {
		t.Fatalf("logout with pasted exec args: %v", err)
	}
}

// TestHelpStyle: every command's short help starts with a capital and has
// no final period, and every command has a long description that starts
// with a capital (the product name aside), as the rest of the tree does.
func TestHelpStyle(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		short, long := []rune(c.Short), []rune(c.Long)
		switch {
		case len(short) == 0 || !unicode.IsUpper(short[0]) || strings.HasSuffix(c.Short, "."):
			t.Errorf("%s: short help %q", c.CommandPath(), c.Short)
		case len(long) == 0:
			t.Errorf("%s: no long help", c.CommandPath())
		case !unicode.IsUpper(long[0]) && !strings.HasPrefix(c.Long, "authctl "):
			t.Errorf("%s: long help starts %q", c.CommandPath(), c.Long[:min(len(c.Long), 30)])
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCommand(IOStreams{}))
}
