package login

import (
	"context"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// PluginIO is what get-token reads besides its options.
type PluginIO struct {
	Env             Env
	Getenv          func(string) string
	StdinIsTerminal bool
}

// PluginToken reads KUBERNETES_EXEC_INFO and runs GetToken. It returns the
// exec credential API version to answer with: the one kubectl asked for.
func PluginToken(ctx context.Context, o *kubeconfig.Options, pio PluginIO) (*Result, string, error) {
	ei, err := kubeconfig.ParseExecInfo(pio.Getenv(kubeconfig.ExecInfoEnv))
	if err != nil {
		return nil, "", err
	}
	apiVersion := kubeconfig.ExecAPIv1
	if ei != nil {
		apiVersion = ei.APIVersion
	}
	env := pio.Env
	env.ExecInfo = ei
	env.StdinIsTerminal = pio.StdinIsTerminal
	s, err := NewSession(o, env)
	if err != nil {
		return nil, "", err
	}
	res, err := s.GetToken(ctx)
	return res, apiVersion, err
}
