package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/report"
)

// BufferingEnv, set to any value in the environment of "cutover bench proxy", makes it measure
// cutover's proxy with request and response buffering on.
const BufferingEnv = "CUTOVER_BENCH_BUFFERING"

// DefaultProxyShutdownTimeout bounds how long ServeProxy lets in-flight requests finish when its
// context ends.
const DefaultProxyShutdownTimeout = 10 * time.Second

// ServeProxy runs cutover's proxy on ln in front of the one backend at backendAddr until ctx ends,
// over TLS with cfg when cfg is not nil ([proxy.Proxy.ServeTLS]), for apps apps: with more than
// one, the proxy routes each request by its Host among that many sites (see AppHost), each with
// its own pool of the backend; with one (or 0), its own site takes every request, unrouted;
// set up as "cutover serve" sets it up: the proxy package's defaults, and every request observed
// into a report.Recorder, as the daemon does for its deploy figures. "cutover bench proxy" runs it
// in a process of its own ("cutover bench proxy-server"), so that it shares nothing with the load
// driver but the machine, as nginx and HAProxy do; without a release store, health checks or
// app processes, which are off the request path.
//
// With BufferingEnv set in its environment, the proxy buffers requests and responses as an app
// with buffer_requests and buffer_responses does, to measure what buffering costs.
//
// With dash not nil the proxy is observed as "cutover serve --dashboard" observes it: every
// request is also counted into the metrics registry, and the dashboard of the one app, [BenchApp],
// is served on dash (see observation). Nil measures the proxy without them.
func ServeProxy(ctx context.Context, ln net.Listener, backendAddr string, apps int, cfg *tls.Config, dash net.Listener, logger *slog.Logger) (err error) {
	if logger == nil {
		logger = slog.Default()
	}
	rec := report.NewRecorder(report.DefaultRetention)
	var counted *metrics.App // nil (metrics off) without dash: one nil check per request
	p := proxy.New(proxy.Options{
		Logger: logger,
		Observe: func(r proxy.Result) {
			rec.Observe(time.Now(), r.Duration, r.Outcome())
			counted.Observe(r)
		},
	})
	p.Switch(proxy.NewPool(BenchApp, []proxy.Backend{{Addr: backendAddr, Name: "web.1"}}))
	if dash != nil {
		o := startObservation(p, dash, logger)
		counted = o.app
		defer func() { err = errors.Join(err, o.close()) }()
	}
	sites, err := routeApps(p, backendAddr, apps, os.Getenv(SharedPoolEnv) != "")
	if err != nil {
		ln.Close()
		return err
	}
	if os.Getenv(BufferingEnv) != "" {
		for _, s := range sites {
			s.SetBuffering(proxy.Buffering{Requests: true, Responses: true})
		}
	}
	errc := make(chan error, 1)
	go func() {
		if cfg != nil {
			errc <- p.ServeTLS(ln, cfg)
		} else {
			errc <- p.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve the proxy: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), DefaultProxyShutdownTimeout)
	defer cancel()
	err = p.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
