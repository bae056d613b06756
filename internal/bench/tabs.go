package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// TargetObserved is the name of the target that is cutover's proxy a second time, with the metrics
// and the dashboard on and dashboard tabs open (ProxyOptions.Observed).
const TargetObserved = "cutover+dashboard"

// Defaults of the observed target.
const (
	// DefaultTabs is how many dashboard tabs hold the observed target's status stream open.
	DefaultTabs = 20
	// MaxTabs is the most tabs RunProxy accepts.
	MaxTabs = 1000
	// DefaultTabRetry is how long a tab whose stream ended waits before it opens it again, as a
	// browser's EventSource does by default.
	DefaultTabRetry = 3 * time.Second
)

// ObservedReport is what the observed target's dashboard tabs saw.
type ObservedReport struct {
	// Tabs is how many tabs were opened; Connected, how many of them read at least one event.
	Tabs      int   `json:"tabs"`
	Connected int64 `json:"connected"`
	// Events counts the events all tabs read; Reopened, the streams opened again after one ended.
	Events     int64  `json:"events"`
	Reopened   int64  `json:"reopened"`
	FirstError string `json:"first_error,omitempty"`
}

// startObservedTarget starts cutover's proxy a second time in front of backend, with the metrics
// and the dashboard on (cutover bench proxy-server --dashboard), and opens o.Tabs tabs on the app
// page's status stream; it returns once every tab has read an event.
func startObservedTarget(ctx context.Context, o ProxyOptions, dir, backend string, sec *benchTLS) (*target, *child, *tabs, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, nil, err
	}
	dash, err := freeAddr()
	if err != nil {
		return nil, nil, nil, err
	}
	fmt.Fprintf(o.Progress, "starting cutover's proxy with metrics and the dashboard on %s (dashboard on %s)\n", addr, dash)
	argv := []string{o.Exe, "bench", "proxy-server", "--listen", addr, "--backend", backend, "--dashboard", dash, "--log-level", "warn"}
	if sec != nil {
		argv = append(argv, "--tls-cert", sec.certFile, "--tls-key", sec.keyFile)
	}
	ch, err := startChild(TargetObserved, dir, argv, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	if sec != nil {
		ch.client = sec.probeClient("")
	}
	fail := func(err error) (*target, *child, *tabs, error) {
		ch.stop(DefaultStopTimeout)
		return nil, nil, nil, err
	}
	if err := ch.waitAnswering(ctx, targetURL(addr, sec)); err != nil {
		return fail(err)
	}
	if sec != nil {
		if err := sec.check(ctx, addr, ""); err != nil {
			return fail(err)
		}
	}
	ch.client = nil // the dashboard is plain HTTP on loopback, as the daemon serves it
	page := "http://" + dash + "/apps/" + BenchApp
	if err := ch.waitAnswering(ctx, page); err != nil {
		return fail(err)
	}
	fmt.Fprintf(o.Progress, "opening %d dashboard tabs on %s/events\n", o.Tabs, page)
	tb := openTabs(page+"/events", o.Tabs)
	if err := tb.waitConnected(ctx, ch); err != nil {
		tb.close()
		return fail(err)
	}
	return (&target{name: TargetObserved, addr: addr, path: "/", sec: sec}).measuredAs(ch), ch, tb, nil
}

// tabs are dashboard tabs: each holds an event stream open and reads it as a browser's
// EventSource does, opening it again DefaultTabRetry after it ends, until close.
type tabs struct {
	n      int
	cancel context.CancelFunc
	wg     sync.WaitGroup
	client *http.Client

	connected atomic.Int64
	events    atomic.Int64
	reopened  atomic.Int64
	mu        sync.Mutex
	firstErr  error
}

// openTabs opens n tabs on the event stream at url.
func openTabs(url string, n int) *tabs {
	ctx, cancel := context.WithCancel(context.Background())
	// No timeout: a stream lasts until close. Each tab its own connection, as no two streams can
	// share an HTTP/1.1 one.
	t := &tabs{n: n, cancel: cancel, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}}
	for range n {
		t.wg.Add(1)
		go t.run(ctx, url)
	}
	return t
}

// run is one tab: it reads the stream, and opens it again after it ends, until ctx ends.
func (t *tabs) run(ctx context.Context, url string) {
	defer t.wg.Done()
	first := true
	for {
		err := t.read(ctx, url, &first)
		if ctx.Err() != nil {
			return
		}
		t.note(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(DefaultTabRetry):
		}
		t.reopened.Add(1)
	}
}

// read reads one stream until it ends, counting its events; the tab counts as connected at its
// first event.
func (t *tabs) read(ctx context.Context, url string, first *bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the dashboard's status stream answered %s", resp.Status)
	}
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // the rest of a long data line (the hour chart's SVG)
		}
		if err != nil {
			return fmt.Errorf("the dashboard's status stream ended: %w", err)
		}
		if bytes.HasPrefix(line, []byte("event:")) {
			t.events.Add(1)
			if *first {
				*first = false
				t.connected.Add(1)
			}
		}
	}
}

func (t *tabs) note(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.firstErr == nil {
		t.firstErr = err
	}
}

// waitConnected waits until every tab has read an event, ch exits, or DefaultStartTimeout passes.
func (t *tabs) waitConnected(ctx context.Context, ch *child) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for t.connected.Load() < int64(t.n) {
		select {
		case <-ch.done:
			return fmt.Errorf("%s exited (%v) while the dashboard tabs opened; its output:\n%s", ch.name, ch.err, ch.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%d of %d dashboard tabs read an event within %v (first error: %v)",
				t.connected.Load(), t.n, DefaultStartTimeout, t.report().FirstError)
		case <-tick.C:
		}
	}
	return nil
}

// close closes every tab and waits until they are closed.
func (t *tabs) close() {
	t.cancel()
	t.wg.Wait()
	t.client.CloseIdleConnections()
}

// report is what the tabs saw so far.
func (t *tabs) report() *ObservedReport {
	r := &ObservedReport{Tabs: t.n, Connected: t.connected.Load(), Events: t.events.Load(), Reopened: t.reopened.Load()}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.firstErr != nil {
		r.FirstError = t.firstErr.Error()
	}
	return r
}
