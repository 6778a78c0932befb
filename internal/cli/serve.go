package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/serve/authz"
)

func newServeCommand(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the small in-cluster helpers of a rendered stack",
		Long: `Serve runs the helpers a rendered stack starts from authctl's own image:
the login pages (ui), Hydra's token hook (token-hook) and the group check
of Oathkeeper's remote_json authorizer (authz). Each listens on one port,
logs JSON on stderr and has health endpoints for its probes.`,
	}
	var listen string
	az := &cobra.Command{
		Use:   "authz",
		Short: "Answer Oathkeeper's group checks (remote_json authorizer)",
		Long: `Authz answers Oathkeeper's remote_json authorizer for the services with
requiredGroups: 200 when the identity's groups meet the rule's, 403 when not.
Oathkeeper alone reaches it (its NetworkPolicy admits only Oathkeeper).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := slog.New(slog.NewJSONHandler(streams.ErrOut, nil))
			return serveHTTP(cmd.Context(), log, listen, authz.Handler(log))
		},
	}
	az.Flags().StringVar(&listen, "listen", ":4480", "address to listen on")
	cmd.AddCommand(az)
	return cmd
}

// Server timeouts of serve authz and serve token-hook. Both answer small
// JSON requests from one in-cluster caller, so a client that trickles a
// body, never reads the answer or idles on a keep-alive only holds a
// connection this long.
const (
	serverReadHeaderTimeout = 5 * time.Second
	serverReadTimeout       = 10 * time.Second
	serverWriteTimeout      = 15 * time.Second
	serverIdleTimeout       = 60 * time.Second
)

// newServer returns the http.Server of the serve commands.
func newServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: serverReadHeaderTimeout,
		ReadTimeout:       serverReadTimeout,
		WriteTimeout:      serverWriteTimeout,
		IdleTimeout:       serverIdleTimeout,
	}
}

// serveHTTP runs a server until ctx ends, then shuts it down gracefully.
func serveHTTP(ctx context.Context, log *slog.Logger, addr string, h http.Handler) error {
	srv := newServer(addr, h)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("could not serve on %s: %w", addr, err)
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
