// Package sampleapp is the small web app behind the hidden
// "cutover sample-app" command. "cutover demo" and the end-to-end tests run
// it as a real child process to deploy against: it reports its version on
// every response, can be slow, stream or misbehave on request (boot slowly,
// never become healthy, crash at boot, flap its health check, ignore
// SIGTERM), and shuts down gracefully on SIGTERM. It listens on $PORT, or on
// a socket inherited through systemd-style LISTEN_FDS.
//
// Endpoints: / ("hello from <version>", with ?delay=300ms to answer late),
// /up (health), /sse?n=5&every=100ms (event stream), /echo (the request
// body), /pid (the process id), /headers (the request headers) and /bytes/N
// (N bytes, with their length). With --serial it serves one request at a
// time, as an app server with one worker does.
package sampleapp

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

// Main runs the sample app with args (the arguments after the subcommand)
// until SIGTERM or SIGINT, and returns the process exit code: 0 after a
// graceful shutdown, 1 when it fails or is asked to crash, 2 for bad flags.
func Main(args []string) int {
	log := newLogger(os.Stdout, os.Stderr)
	cfg, err := parseConfig(args, os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		log.Error(err.Error())
		return 2
	}
	ctx, stop := signalContext(cfg.ignoreSIGTERM, log)
	defer stop()
	return serve(ctx, cfg, log)
}

// signalContext returns a context that ends on SIGINT, or on SIGTERM unless
// ignoreTERM is set, in which case each SIGTERM is only logged.
func signalContext(ignoreTERM bool, log *slog.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGTERM && ignoreTERM {
					log.Info("ignoring SIGTERM")
					continue
				}
				cancel()
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

// serve boots as cfg asks (crash, delay), listens and serves until ctx ends.
func serve(ctx context.Context, cfg config, log *slog.Logger) int {
	if cfg.crashAtBoot {
		log.Error("crashing at boot as --crash-at-boot asks")
		return 1
	}
	if cfg.bootDelay > 0 {
		log.Info("booting", "delay", cfg.bootDelay)
		t := time.NewTimer(cfg.bootDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			log.Info("shutting down before listening")
			return 0
		}
	}
	ln, inherited, err := listen(cfg)
	if err != nil {
		log.Error(err.Error())
		return 1
	}
	if inherited {
		log.Info("using inherited socket", "fd", listenFDsStart)
	}
	return runServer(ctx, ln, cfg, log)
}

// runServer serves on ln until ctx ends, then drains: it stops accepting, lets
// in-flight requests finish and ends kept-alive connections between requests,
// for up to cfg.shutdownTimeout.
func runServer(ctx context.Context, ln net.Listener, cfg config, log *slog.Logger) int {
	db, err := openDatabase(ctx, cfg.dbQuery)
	if err != nil {
		log.Error(err.Error())
		return 1
	}
	defer db.close()
	a := &app{cfg: cfg, db: db}
	dr := newDrainer()
	srv := &http.Server{Handler: dr.wrap(a.routes()), ReadHeaderTimeout: DefaultReadHeaderTimeout, ConnState: dr.connState}
	errc := make(chan error, 1)
	log.Info(fmt.Sprintf("listening on %s", ln.Addr()), "version", cfg.version)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.crashAfter > 0 {
		crash := time.AfterFunc(cfg.crashAfter, func() {
			log.Error("crashing on purpose (--crash-after)")
			os.Exit(1)
		})
		defer crash.Stop()
	}

	select {
	case err := <-errc:
		log.Error("serve failed", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := dr.drain(sctx, srv, ln, DefaultKeepAliveGrace); err != nil {
		srv.Close()
		log.Error("in-flight requests did not finish in time; closed their connections", "err", err)
		return 1
	}
	<-errc
	log.Info("stopped")
	return 0
}
