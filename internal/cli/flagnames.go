package cli

import (
	"github.com/spf13/pflag"
)

// One flag name means one thing on every command (as in kubectl):
//
//   - --certificate-authority is a PEM file of CAs to trust (kubectl's
//     name); --ca-file is kept as a deprecated alias where it was used.
//   - --request-timeout bounds one request; --timeout bounds a whole run
//     (bootstrap, offboard) or a wait (apply --wait), as in helm.
//   - a bare --dry-run is client, as in kubectl and helm.

// addCAFlag registers --certificate-authority and its deprecated alias
// --ca-file on the same value.
func addCAFlag(f *pflag.FlagSet, p *string, usage string) {
	f.StringVar(p, "certificate-authority", "", usage)
	f.StringVar(p, "ca-file", "", usage)
	_ = f.MarkDeprecated("ca-file", "use --certificate-authority (the same file; kubectl's name)")
}
