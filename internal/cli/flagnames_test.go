package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestOneMeaningPerFlagName walks every command: a flag name means the
// same thing wherever it appears. --ca-file survives only as a deprecated
// alias of --certificate-authority; --timeout never bounds one request
// (that is --request-timeout, as in kubectl); a bare --dry-run is client,
// as in kubectl and helm.
func TestOneMeaningPerFlagName(t *testing.T) {
	var walk func(c *cobra.Command)
	counts := map[string]int{}
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			path := c.CommandPath() + " --" + f.Name
			switch f.Name {
			case "ca-file":
				if f.Deprecated == "" || c.Flags().Lookup("certificate-authority") == nil {
					t.Errorf("%s is not a deprecated alias of --certificate-authority", path)
				}
			case "timeout":
				if f.Deprecated == "" && (strings.Contains(f.Usage, "request") || strings.Contains(f.Usage, "each")) {
					t.Errorf("%s bounds one request (%q): that is --request-timeout", path, f.Usage)
				}
			case "context", "user":
				if f.Deprecated == "" && strings.Contains(f.Usage, "to write") {
					t.Errorf("%s names an entry to write (%q): --context and --user select an existing one", path, f.Usage)
				}
			case "request-timeout":
				if !strings.Contains(f.Usage, "one request") {
					t.Errorf("%s: %q", path, f.Usage)
				}
			case "dry-run":
				if f.Value.Type() != "bool" && f.NoOptDefVal != "" && f.NoOptDefVal != "client" {
					t.Errorf("%s: a bare --dry-run means %q, not client as in kubectl and helm", path, f.NoOptDefVal)
				}
			}
			if f.Deprecated == "" {
				counts[f.Name]++
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCommand(IOStreams{}))
	if counts["certificate-authority"] < 4 || counts["request-timeout"] < 2 {
		t.Errorf("flags: %d --certificate-authority, %d --request-timeout", counts["certificate-authority"], counts["request-timeout"])
	}
}
