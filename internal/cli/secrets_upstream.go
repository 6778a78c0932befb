package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// SecretsUpstreamOptions are the flags of `authctl secrets upstream`.
type SecretsUpstreamOptions struct {
	ProfileFile string
	SecretsFile string
	Service     string
}

func newSecretsUpstreamCommand(streams IOStreams) *cobra.Command {
	o := &SecretsUpstreamOptions{}
	cmd := &cobra.Command{
		Use:   "upstream SERVICE -f PROFILE",
		Short: "Print the gateway secret one headers-mode upstream receives",
		Long: `Upstream prints the value of the X-Authctl-Gateway-Secret header that the
gateway sends to one service in forward mode headers, so that service can
check a request came through the gateway. Every upstream gets its own value,
derived from the oathkeeper Secret's headerSecret; one upstream's value is
useless against another. The value goes to stdout, because you asked for it.`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Service = args[0]
			if o.ProfileFile == "" {
				return flagErrorf("required flag -f/--filename is missing")
			}
			return runSecretsUpstream(streams, o)
		},
	}
	cmd.Flags().StringVarP(&o.ProfileFile, "filename", "f", "", "profile file")
	cmd.Flags().StringVar(&o.SecretsFile, "secrets-file", "", "secrets file (default: spec.secrets.file)")
	return cmd
}

func runSecretsUpstream(streams IOStreams, o *SecretsUpstreamOptions) error {
	p, err := profile.Load(o.ProfileFile)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.Spec.Services, func(s profile.Service) bool { return s.Name == o.Service })
	if i < 0 {
		var names []string
		for _, s := range p.Spec.Services {
			if s.Forward.Mode == "headers" {
				names = append(names, s.Name)
			}
		}
		return fmt.Errorf("no service %q in %s (headers-mode services: %v)", o.Service, o.ProfileFile, names)
	}
	if m := p.Spec.Services[i].Forward.Mode; m != "headers" {
		return fmt.Errorf("service %q forwards in %s mode and gets no gateway secret; only headers mode sends one", o.Service, m)
	}
	if p.Spec.Secrets.Policy != "generate" {
		return withHint(fmt.Errorf("the profile's secrets policy is %q, so the master secret is only in the cluster", p.Spec.Secrets.Policy),
			fmt.Sprintf("printf '%%s:%%s' \"$(kubectl -n %s get secret SECRET -o jsonpath='{.data.headerSecret}' | base64 -d)\" %s | sha256sum", p.Metadata.Namespace, o.Service))
	}
	_, sf, err := loadProfileAndSecrets(context.Background(), o.ProfileFile, o.SecretsFile, profile.LoadOptions{})
	if err != nil {
		return err
	}
	if sf.Oathkeeper.HeaderSecret == "" {
		return withHint(fmt.Errorf("the secrets file has no oathkeeper headerSecret"), "authctl secrets generate -f "+o.ProfileFile)
	}
	_, err = fmt.Fprintln(streams.Out, render.UpstreamSecret(sf.Oathkeeper.HeaderSecret, o.Service))
	return err
}
