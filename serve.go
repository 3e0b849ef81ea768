package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func init() {
	register("serve", "build what the page needs if stale, then serve the app (the default command)", runServe)
}

// shutdownGrace is how long in-flight requests get to finish after SIGINT
// or SIGTERM.
const shutdownGrace = 10 * time.Second

func runServe(args []string) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on (host:port)")
	modelsDir := addModelsDirFlag(fl)
	noBuild := fl.Bool("no-build", false, "serve build/site as it is, without checking that it is up to date")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fl.Args())
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	root, err := findModuleRoot(".")
	if err != nil {
		return err
	}
	b := newBuilder(root, log)
	if !*noBuild {
		if err := b.build(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	cat, err := newCatalog(*modelsDir)
	if err != nil {
		return err
	}
	site, err := os.OpenRoot(b.siteDir())
	if err != nil {
		return err
	}
	defer site.Close()
	s := &server{site: site, models: cat, log: log}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("ConvScope is running at http://%s/ (Ctrl+C to stop)\n", ln.Addr())
	return serveUntilDone(ctx, ln, s.handler(), log)
}

// serveUntilDone serves on ln until ctx is cancelled, then shuts down
// gracefully: no new connections, in-flight requests get shutdownGrace.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := newHTTPServer(ln.Addr().String(), h, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
