// Package loadgen sends bounded HTTP load to a server on the local machine
// and reports what a client saw: how many requests failed and how (refused,
// reset, 5xx, timeout), how many the Go client silently retried, and
// latency. "cutover demo", the end-to-end tests and "cutover bench" use it to
// show that a deploy drops nothing.
//
// In open loop (Options.Rate > 0) requests are due on a fixed clock and
// latency counts from when a request was due, not from when it could be
// sent, so a server that stalls is charged for the requests queued behind
// the stall. In closed loop (Rate 0) a fixed number of workers each send
// their next request when the previous one ends. Every run is bounded by
// Options.Duration and, optionally, Options.MaxRequests.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// Run sends the load opts describes and returns its figures. It refuses
// options out of bounds and URLs that are not on a loopback address
// (ErrNotLoopback). If ctx ends first, Run returns the figures gathered so
// far along with an error wrapping ctx.Err(); requests it cut short are not
// counted.
func Run(ctx context.Context, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if _, err := http.NewRequest(o.Method, o.URL, nil); err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	tr := newTransport(o.Concurrency)
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		// A redirect is an answer, and following it would send elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	workers := make([]*worker, o.Concurrency)
	for i := range workers {
		workers[i] = &worker{client: client, opts: o, tally: newTally(o.KeepSamples)}
	}
	start := time.Now()
	end := start.Add(o.Duration)
	var unsent int64
	if o.Rate > 0 {
		unsent = openLoop(ctx, o, workers, start, end)
	} else {
		closedLoop(ctx, o, workers, end)
	}

	total := newTally(o.KeepSamples)
	for _, w := range workers {
		total.merge(w.tally)
	}
	res := total.result()
	res.Unsent = unsent
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("load run cut short: %w", err)
	}
	return res, nil
}

func newTransport(concurrency int) *http.Transport {
	return &http.Transport{
		// Load goes to the local machine, never through a proxy.
		Proxy:               nil,
		DialContext:         (&net.Dialer{}).DialContext,
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// closedLoop runs every worker back to back until end, ctx or the request
// limit.
func closedLoop(ctx context.Context, o Options, workers []*worker, end time.Time) {
	var taken atomic.Int64
	take := func() bool {
		return o.MaxRequests == 0 || taken.Add(1) <= int64(o.MaxRequests)
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) && take() {
				w.do(ctx, time.Now())
			}
		})
	}
	wg.Wait()
}

// openLoop hands due times from schedule to the workers and returns how many
// due requests were never sent.
func openLoop(ctx context.Context, o Options, workers []*worker, start, end time.Time) int64 {
	due := make(chan time.Time)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for at := range due {
				w.do(ctx, at)
			}
		})
	}
	unsent := schedule(ctx, o, start, end, due)
	wg.Wait()
	return unsent
}

// schedule sends the due time of every request on a fixed clock from start
// to a free worker, then closes due. A request due while every worker is
// busy goes out late, as soon as one is free, but keeps its due time. When
// end comes with requests still waiting for a worker, schedule gives up on
// them and returns how many there were.
func schedule(ctx context.Context, o Options, start, end time.Time, due chan<- time.Time) (unsent int64) {
	defer close(due)
	total := scheduledCount(o)
	wait := time.NewTimer(time.Hour)
	defer wait.Stop()
	stop := time.NewTimer(time.Until(end))
	defer stop.Stop()
	for i := range total {
		at := start.Add(time.Duration(i * int64(time.Second) / int64(o.Rate)))
		if d := time.Until(at); d > 0 {
			wait.Reset(d)
			select {
			case <-wait.C:
			case <-ctx.Done():
				return 0
			}
		}
		// Prefer a free worker even when end has passed: this request was
		// due before end and nothing held it up but the scheduler itself.
		select {
		case due <- at:
			continue
		default:
		}
		select {
		case due <- at:
		case <-stop.C:
			return total - i
		case <-ctx.Done():
			return 0
		}
	}
	return 0
}

// scheduledCount is how many requests are due in a run: every i with
// i/Rate seconds before Duration, at most MaxRequests.
func scheduledCount(o Options) int64 {
	rate := int64(o.Rate)
	n := (int64(o.Duration)*rate + int64(time.Second) - 1) / int64(time.Second)
	if o.MaxRequests > 0 {
		n = min(n, int64(o.MaxRequests))
	}
	return n
}

// worker sends requests one at a time and tallies them.
type worker struct {
	client *http.Client
	opts   Options
	tally  *tally
}

// do sends one request that was due at due and records it, unless ctx cut
// it short.
func (w *worker) do(ctx context.Context, due time.Time) {
	var attempts atomic.Int32
	trace := &httptrace.ClientTrace{GetConn: func(string) { attempts.Add(1) }}
	rctx, cancel := context.WithTimeout(httptrace.WithClientTrace(ctx, trace), w.opts.Timeout)
	defer cancel()

	s := Sample{Start: due}
	s.Status, s.Version, s.Err = w.send(rctx)
	s.End = time.Now()
	if s.Err != nil && ctx.Err() != nil {
		return
	}
	s.Class = classify(s.Status, s.Err)
	// The transport asks for a connection once per attempt; a second ask
	// means it re-sent the request after the first attempt failed.
	s.Retried = attempts.Load() > 1
	w.tally.add(s)
}

// send makes the request and reads the whole response body.
func (w *worker) send(ctx context.Context) (status int, version string, err error) {
	var body io.Reader
	if w.opts.Body != nil {
		body = bytes.NewReader(w.opts.Body)
	}
	req, err := http.NewRequestWithContext(ctx, w.opts.Method, w.opts.URL, body)
	if err != nil {
		return 0, "", err
	}
	if w.opts.Host != "" {
		req.Host = w.opts.Host
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if w.opts.VersionHeader != "" {
		version = resp.Header.Get(w.opts.VersionHeader)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, version, err
}
