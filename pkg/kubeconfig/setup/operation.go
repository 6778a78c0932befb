package setup

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
)

// Setup is the `authctl kubeconfig setup` operation (in the manner of
// helm's pkg/action): plain inputs and Run. It registers the kubectl client
// in Hydra when HydraAdminURL is set, logs in once when Login is set, and
// writes the exec user and context.
type Setup struct {
	// Token is the plugin's options as the flags gave them; they become
	// the exec arguments unchanged.
	Token kubeconfig.Options
	// GroupsScope is the scope that releases the groups claim.
	GroupsScope string
	// RedirectPorts are the loopback ports get-token listens on.
	RedirectPorts []int
	// CodeURL is the login UI's code page, the redirect URI of the
	// authcode-keyboard grant ("": not registered).
	CodeURL string

	// HydraAdminURL, when set, is where the client is registered, with
	// HydraClient (nil: http.DefaultClient).
	HydraAdminURL string
	HydraClient   *http.Client
	// HydraAdminForward, when set, port-forwards Hydra's admin Service for
	// the registration (--admin-context): the forward lasts for the run
	// and its URL is HydraAdminURL.
	HydraAdminForward *Forward

	// Login runs a browser login before writing, with LoginEnv.
	Login    bool
	LoginEnv login.Env

	// Plugin is the exec command; Kubeconfig where it goes (its Command
	// and Args are filled by Run).
	Plugin     Plugin
	Kubeconfig Kubeconfig

	// Log receives one line per step done (nil: none).
	Log io.Writer
}

// Forward is a Service port reached through a port-forward.
type Forward struct {
	Forwarder cluster.Forwarder
	Namespace string
	Target    cluster.Target
}

// SetupResult is what Run did.
type SetupResult struct {
	// ClientCreated reports a new client (false: updated, or not registered).
	ClientCreated bool
	// Claims are the logged-in identity's, when Login was set.
	Claims *login.Claims
	// Path is the kubeconfig file written.
	Path string
}

// Client is the kubectl OAuth2 client Run registers.
func (s *Setup) Client() map[string]any {
	host := s.Token.RedirectHost
	if host == "" {
		host = "127.0.0.1"
	}
	uris := kubeconfig.RedirectURIs(host, s.RedirectPorts)
	if s.CodeURL != "" {
		uris = append(uris, s.CodeURL)
	}
	var clusters []string
	for _, sc := range s.Token.ExtraScopes {
		if strings.HasPrefix(sc, kubeconfig.ClusterScopePrefix) && !slices.Contains(clusters, sc) {
			clusters = append(clusters, sc)
		}
	}
	return KubectlClient(s.Token.ClientID, uris, s.GroupsScope, clusters...)
}

// WithOfflineAccess adds offline_access to the scopes of a browser login:
// without it Hydra issues no refresh token, and the person would be sent
// to the browser again every id_token lifetime. Client credentials have no
// refresh token to ask for.
func WithOfflineAccess(grant string, scopes []string) []string {
	if grant == kubeconfig.GrantClientCredentials || slices.Contains(scopes, "offline_access") {
		return scopes
	}
	return append([]string{"offline_access"}, scopes...)
}

// Run registers, logs in and writes, in that order, and stops at the first
// failure: nothing is written for a login that failed.
func (s *Setup) Run(ctx context.Context) (*SetupResult, error) {
	s.Token.ExtraScopes = WithOfflineAccess(s.Token.Grant, s.Token.ExtraScopes)
	res := &SetupResult{}
	logf := func(format string, args ...any) {
		if s.Log != nil {
			fmt.Fprintf(s.Log, format+"\n", args...)
		}
	}
	if f := s.HydraAdminForward; f != nil {
		log := s.Log
		if log == nil {
			log = io.Discard
		}
		urls, stop, err := cluster.Forward(ctx, f.Forwarder, log, f.Namespace, []cluster.Target{f.Target})
		if err != nil {
			return nil, fmt.Errorf("could not port-forward Hydra's admin Service: %w", err)
		}
		defer stop()
		s.HydraAdminURL = urls[0]
	}
	if s.HydraAdminURL != "" {
		hc := s.HydraClient
		if hc == nil {
			hc = http.DefaultClient
		}
		created, err := RegisterClient(ctx, hc, s.HydraAdminURL, s.Client())
		if err != nil {
			return nil, err
		}
		res.ClientCreated = created
		verb := "updated"
		if created {
			verb = "created"
		}
		logf("%s client %q in Hydra", verb, s.Token.ClientID)
	}
	if s.Login {
		tok := s.Token // the session fills defaults; the exec args keep the flags as given
		sess, err := login.NewSession(&tok, s.LoginEnv)
		if err != nil {
			return nil, err
		}
		lr, err := sess.Login(ctx)
		if err != nil {
			return nil, err
		}
		res.Claims = lr.Claims
	}
	k := s.Kubeconfig
	k.Command = s.Plugin.Command
	k.Args = append(append([]string{}, s.Plugin.Args...), ExecArgs(&s.Token)...)
	k.NonInteractive = s.Token.Grant == kubeconfig.GrantClientCredentials
	path, err := WriteKubeconfig(k)
	if err != nil {
		return nil, err
	}
	res.Path = path
	return res, nil
}
