// Package demo is `cutover demo`: a whole deploy story on this machine with no setup. It starts a
// daemon in a temporary directory, deploys the built-in sample app (the cutover binary itself) as
// v1 → v2 → a v3 that never gets healthy → rollback to v1, under bounded load from the built-in load
// generator, and prints what each deploy cost: requests sent, failed, p50 and p99.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/daemon"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/report"
)

// Defaults of the demo. The load is light enough for a 2-core machine and long enough to straddle
// each deploy.
const (
	DefaultRate         = 200                    // requests per second during each deploy
	DefaultPostRate     = 50                     // POSTs with a body per second beside them
	DefaultRequestDelay = 20 * time.Millisecond  // how long each sample request takes in the app
	DefaultSettle       = 500 * time.Millisecond // load before and after each deploy
	DefaultBootTimeout  = 3 * time.Second        // for v3, which never gets healthy
	DefaultBake         = 3 * time.Second        // v2's bake: v1 kept booted after the switch
)

// Options configure a demo run.
type Options struct {
	Exe     string             // the cutover binary that serves as the sample app
	Out     io.Writer          // where the story is told
	OnEvent func(deploy.Event) // nil: deploy events are not shown
	Logger  *slog.Logger       // the daemon's logger; nil: warnings and errors to stderr
}

// step is one deploy of the story.
type step struct {
	title     string
	req       deploy.Request
	wantError bool
}

// Outcome is what one deploy of the demo cost.
type Outcome struct {
	Title      string
	Release    string
	RollbackOf string
	Err        error
	Load       *loadgen.Result
	Posts      *loadgen.Result // POSTs with a body, which a client may not silently re-send
}

// Run tells the story and returns each deploy's outcome. It fails if a deploy that should succeed
// fails, the one that should fail succeeds, or any request fails.
func Run(ctx context.Context, opts Options) ([]Outcome, error) {
	dir, err := os.MkdirTemp("", "cutover-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	apps, err := writeApps(dir, opts.Exe)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	state := filepath.Join(dir, "state")
	d, err := daemon.New(daemon.Options{StateDir: state, Listener: ln, Logger: logger})
	if err != nil {
		ln.Close()
		return nil, err
	}
	ctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- d.Run(ctx, func(net.Addr) { close(ready) }) }()
	defer func() { stop(); <-done }()
	select {
	case <-ready:
	case err := <-done:
		return nil, fmt.Errorf("start the daemon: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/?delay=" + DefaultRequestDelay.String()
	postURL := "http://" + ln.Addr().String() + "/echo"
	fmt.Fprintf(opts.Out, "cutover demo: daemon on %s (state in %s), %d req/s of %s requests during each deploy\n",
		ln.Addr(), state, DefaultRate, DefaultRequestDelay)

	steps := []step{
		{"deploy v1 (first release)", deploy.Request{Source: apps[0]}, false},
		{"deploy v2 (with a release phase and a short bake)", deploy.Request{Source: apps[1], Overrides: config.Config{Bake: DefaultBake.String()}}, false},
		{"deploy v3 (never gets healthy)", deploy.Request{Source: apps[2]}, true},
		{"rollback to v1", deploy.Request{Rollback: "v1"}, false},
	}
	client := control.NewClient(state)
	var outcomes []Outcome
	for i, s := range steps {
		fmt.Fprintf(opts.Out, "\n--- %s\n", s.title)
		o, err := deployUnderLoad(ctx, client, url, postURL, s, i > 0, opts.OnEvent)
		outcomes = append(outcomes, o)
		if err != nil {
			return outcomes, err
		}
		printOutcome(opts.Out, o)
	}
	printSummary(opts.Out, outcomes)
	for _, o := range outcomes {
		for _, r := range []*loadgen.Result{o.Load, o.Posts} {
			if r != nil && r.Failed > 0 {
				return outcomes, fmt.Errorf("%s: %d requests failed", o.Title, r.Failed)
			}
		}
	}
	return outcomes, nil
}

// deployUnderLoad runs one deploy while the load generator sends traffic (once something serves):
// GETs to url, and POSTs with a body to postURL.
func deployUnderLoad(ctx context.Context, c *control.Client, url, postURL string, s step, load bool, onEvent func(deploy.Event)) (Outcome, error) {
	o := Outcome{Title: s.title}
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	gets, posts := make(chan *loadgen.Result, 1), make(chan *loadgen.Result, 1)
	if load {
		for _, l := range []struct {
			opts    loadgen.Options
			results chan<- *loadgen.Result
		}{
			{loadgen.Options{URL: url, Rate: DefaultRate}, gets},
			{loadgen.Options{URL: postURL, Rate: DefaultPostRate, Method: "POST", Body: []byte("order=1")}, posts},
		} {
			l.opts.Duration, l.opts.VersionHeader = time.Minute, "X-App-Version"
			go func() {
				r, err := loadgen.Run(loadCtx, l.opts)
				if err != nil && !errors.Is(err, context.Canceled) {
					slog.Error("load generator", "err", err)
				}
				l.results <- r
			}()
		}
		sleep(ctx, DefaultSettle)
	}
	rel, err := c.Deploy(ctx, s.req, onEvent)
	if rel != nil {
		o.Release, o.RollbackOf = rel.ID, rel.RollbackOf
	}
	o.Err = err
	if load {
		sleep(ctx, DefaultSettle)
		stopLoad()
		o.Load, o.Posts = <-gets, <-posts
	}
	switch {
	case s.wantError && err == nil:
		return o, fmt.Errorf("%s: the deploy succeeded, but it should have been aborted", s.title)
	case !s.wantError && err != nil:
		return o, fmt.Errorf("%s: %w", s.title, err)
	}
	return o, nil
}

func printOutcome(w io.Writer, o Outcome) {
	switch {
	case o.Err != nil:
		first, _, _ := strings.Cut(o.Err.Error(), "\n")
		fmt.Fprintf(w, "%s aborted, as it should be: %s\n", o.Release, first)
	case o.RollbackOf != "":
		fmt.Fprintf(w, "%s is live: %s's app again\n", o.Release, o.RollbackOf)
	default:
		fmt.Fprintf(w, "%s is live\n", o.Release)
	}
	if o.Load != nil {
		fmt.Fprintf(w, "load during it: %s\n", o.Load)
	}
	if o.Posts != nil {
		fmt.Fprintf(w, "POSTs during it: %s\n", o.Posts)
	}
}

func printSummary(w io.Writer, outcomes []Outcome) {
	fmt.Fprintf(w, "\n%-36s %-8s %8s %7s %9s %9s\n", "DEPLOY", "RELEASE", "SENT", "FAILED", "P50", "P99")
	for _, o := range outcomes {
		if o.Load == nil {
			fmt.Fprintf(w, "%-36s %-8s %8s %7s %9s %9s\n", o.Title, o.Release, "-", "-", "-", "-")
			continue
		}
		fmt.Fprintf(w, "%-36s %-8s %8d %7d %9s %9s\n", o.Title, o.Release, o.Load.Sent, o.Load.Failed,
			report.FormatDuration(o.Load.P50), report.FormatDuration(o.Load.P99))
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
