package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/authz"
)

func newServeCommand(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the small in-cluster helpers of a rendered stack",
	}
	var listen string
	az := &cobra.Command{
		Use:   "authz",
		Short: "Answer Oathkeeper's group checks (remote_json authorizer)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := slog.New(slog.NewJSONHandler(streams.ErrOut, nil))
			return serveHTTP(cmd.Context(), log, listen, authz.Handler(log))
		},
	}
	az.Flags().StringVar(&listen, "listen", ":4480", "address to listen on")
	cmd.AddCommand(az)
	return cmd
}

// serveHTTP runs a server until ctx ends, then shuts it down gracefully.
func serveHTTP(ctx context.Context, log *slog.Logger, addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
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
