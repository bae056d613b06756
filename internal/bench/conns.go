package bench

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/report"
)

// Defaults of "cutover bench conns"; each is also its flag's default.
const (
	// DefaultIdleConns is how many keep-alive client connections are held open.
	DefaultIdleConns = 10000
	// MaxIdleConns is the most connections RunConns opens.
	MaxIdleConns = 50000
	// DefaultConnsSettle is how long the connections stay idle before memory is read: longer than
	// the proxy's idle park delay, after which an idle connection gives its buffers back, and than
	// a GC cycle or two.
	DefaultConnsSettle = 3 * time.Second
	// DefaultDialers is how many connections are opened and used at once.
	DefaultDialers = 64
	// DefaultConnTimeout bounds each connection's dial and each request on it.
	DefaultConnTimeout = 10 * time.Second
	// fdMargin is the file descriptors kept aside for everything but the bench's connections.
	fdMargin = 256
)

// ConnsOptions configure RunConns. The zero value of a field means its default.
type ConnsOptions struct {
	// Exe is the cutover binary, which runs the daemon and the sample app. Required.
	Exe string
	// Conns is how many keep-alive connections are held; 0 means DefaultIdleConns, or as many as
	// cutover serve admits under this process's open-file limit when that is fewer.
	Conns int
	// Settle is how long they stay idle before memory is read; 0 means DefaultConnsSettle.
	Settle time.Duration
	// Progress, if not nil, gets a line as each target starts and is measured.
	Progress io.Writer
}

// ConnsReport is what RunConns measured: the memory of cutover serve holding the connections,
// beside that of the app alone (a Go net/http server) holding as many.
type ConnsReport struct {
	Conns   int           `json:"connections"`
	Settle  time.Duration `json:"settle_ns"`
	Targets []ConnsTarget `json:"targets"`
	// PerConnRatio is cutover serve's memory per connection over the app alone's.
	PerConnRatio float64 `json:"per_connection_ratio"`
}

// ConnsTarget is one process holding the connections.
type ConnsTarget struct {
	Name string `json:"name"`
	Pid  int    `json:"pid"`
	// IdleRSS is the process's memory before the connections were opened; RSS with all of them
	// open and idle; Peak the most it used meanwhile.
	IdleRSS int64 `json:"idle_rss_bytes"`
	RSS     int64 `json:"rss_bytes"`
	Peak    int64 `json:"peak_rss_bytes"`
	// PerConn is (RSS - IdleRSS) / connections.
	PerConn int64 `json:"per_connection_bytes"`
	// Failed counts connections that could not be opened or whose requests (one before the
	// wait, one after) failed.
	Failed int `json:"failed"`
	// FirstErr is the first failure, if any.
	FirstErr string `json:"first_error,omitempty"`
}

// Targets of the connections bench.
const (
	TargetDaemon = "cutover serve"
	TargetApp    = "app alone"
)

func (o ConnsOptions) withDefaults() (ConnsOptions, error) {
	if o.Exe == "" {
		return o, errors.New("the cutover binary to run the daemon and the app is not known")
	}
	var lim syscall.Rlimit
	limErr := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if o.Conns == 0 {
		o.Conns = DefaultIdleConns
		if fit := (int(min(lim.Cur, 1<<30)) - proxy.DefaultFDReserve) / 2; limErr == nil && fit > 0 && fit < o.Conns {
			o.Conns = fit // the most cutover serve admits under this limit (see below)
		}
	}
	o.Settle = cmp.Or(o.Settle, DefaultConnsSettle)
	if o.Conns < 0 || o.Conns > MaxIdleConns {
		return o, fmt.Errorf("connections %d is out of bounds; give 1 to %d", o.Conns, MaxIdleConns)
	}
	if o.Settle < 0 {
		return o, fmt.Errorf("settle %v is negative", o.Settle)
	}
	// cutover serve inherits the limit, and admits half of it less its reserve: each client
	// connection may hold one to the app (proxy.DefaultMaxConns's cap).
	need := max(o.Conns+fdMargin, 2*o.Conns+proxy.DefaultFDReserve)
	if limErr == nil && lim.Cur < uint64(need) {
		msg := fmt.Sprintf("%d connections need an open-file limit of %d (cutover serve admits half its limit less %d, as each client connection may hold one to the app) and this one is %d: raise it (ulimit -n %d)",
			o.Conns, need, proxy.DefaultFDReserve, lim.Cur, need)
		if fit := (int(lim.Cur) - proxy.DefaultFDReserve) / 2; fit > 0 {
			msg += fmt.Sprintf(" or give --connections %d or fewer", fit)
		}
		return o, errors.New(msg)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o, nil
}

// RunConns measures what holding opts.Conns idle keep-alive client connections costs in memory:
// first for the sample app alone, then for a real "cutover serve" with the sample app deployed,
// each given the same connections from this process on 127.0.0.1. Each connection sends one
// request, waits opts.Settle with the others, then sends one more, so a connection the target
// dropped while idle counts as failed.
func RunConns(ctx context.Context, opts ConnsOptions) (*ConnsReport, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cutover-bench-conns-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &ConnsReport{Conns: o.Conns, Settle: o.Settle}

	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	app, err := startChild("app", dir, []string{o.Exe, "sample-app", "--version", "v1", "--port", addrPort(addr)}, nil)
	if err != nil {
		return nil, err
	}
	defer app.stop(DefaultStopTimeout)
	if err := app.waitAnswering(ctx, "http://"+addr+"/"); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "%s: holding %d connections (pid %d, %s)\n", TargetApp, o.Conns, app.pid(), addr)
	t, err := holdConns(ctx, o, TargetApp, app.pid(), addr)
	if err != nil {
		return nil, err
	}
	rep.Targets = append(rep.Targets, t)
	app.stop(DefaultStopTimeout)

	apps, err := writeSampleApps(dir, o.Exe, "v1")
	if err != nil {
		return nil, err
	}
	d, err := startServing(ctx, o.Exe, dir, apps[0])
	if err != nil {
		return nil, err
	}
	defer d.proc.stop(DefaultStopTimeout)
	fmt.Fprintf(o.Progress, "%s: holding %d connections (pid %d, %s)\n", TargetDaemon, o.Conns, d.proc.pid(), d.addr)
	if t, err = holdConns(ctx, o, TargetDaemon, d.proc.pid(), d.addr); err != nil {
		return nil, fmt.Errorf("%w; the daemon's output:\n%s", err, d.proc.logTail())
	}
	rep.Targets = append(rep.Targets, t)
	if base := rep.Targets[0].PerConn; base > 0 {
		rep.PerConnRatio = float64(t.PerConn) / float64(base)
	}
	return rep, nil
}

// holdConns opens o.Conns connections to addr, sends a request on each, waits o.Settle, reads the
// memory of pid, and sends one more request on each.
func holdConns(ctx context.Context, o ConnsOptions, name string, pid int, addr string) (ConnsTarget, error) {
	t := ConnsTarget{Name: name, Pid: pid}
	idle, err := report.ReadMemory(pid)
	if err != nil {
		return t, err
	}
	t.IdleRSS = idle.RSS
	peakSince := report.ResetPeak(pid) == nil
	conns := make([]*heldConn, o.Conns)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.nc.Close()
			}
		}
	}()
	var failures failures
	each(o.Conns, func(i int) {
		c, err := dialHeld(addr)
		if err == nil {
			err = c.get()
		}
		if err != nil {
			failures.add(fmt.Errorf("connection %d: %w", i, err))
			return
		}
		conns[i] = c
	})
	if !sleep(ctx, o.Settle) {
		return t, ctx.Err()
	}
	held, err := report.ReadMemory(pid)
	if err != nil {
		return t, err
	}
	t.RSS, t.Peak = held.RSS, held.Peak
	if !peakSince {
		t.Peak = 0
	}
	t.PerConn = (t.RSS - t.IdleRSS) / int64(o.Conns)
	each(o.Conns, func(i int) {
		if c := conns[i]; c != nil {
			if err := c.get(); err != nil {
				failures.add(fmt.Errorf("connection %d, second request: %w", i, err))
			}
		}
	})
	t.Failed, t.FirstErr = failures.n, failures.first
	fmt.Fprintf(o.Progress, "%s: RSS %s idle, %s with the connections (%s each), %d failed\n",
		name, report.FormatBytes(t.IdleRSS), report.FormatBytes(t.RSS), formatPerConn(t.PerConn), t.Failed)
	return t, nil
}

// each runs fn(0) to fn(n-1) on DefaultDialers goroutines.
func each(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(n, DefaultDialers) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// failures counts errors from many goroutines and keeps the first.
type failures struct {
	mu    sync.Mutex
	n     int
	first string
}

func (f *failures) add(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.first = err.Error()
	}
	f.n++
}

// heldConn is one client connection of the bench.
type heldConn struct {
	nc net.Conn
	br *bufio.Reader
}

func dialHeld(addr string) (*heldConn, error) {
	nc, err := net.DialTimeout("tcp", addr, DefaultConnTimeout)
	if err != nil {
		return nil, err
	}
	return &heldConn{nc: nc, br: bufio.NewReaderSize(nc, 1024)}, nil
}

// heldRequest is the request each connection sends: small, keep-alive, answered at once.
const heldRequest = "GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: cutover-bench\r\n\r\n"

// get sends one request and reads its answer, which must be a 2xx that keeps the connection open.
func (c *heldConn) get() error {
	c.nc.SetDeadline(time.Now().Add(DefaultConnTimeout))
	defer c.nc.SetDeadline(time.Time{})
	if _, err := io.WriteString(c.nc, heldRequest); err != nil {
		return err
	}
	res, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	switch {
	case res.StatusCode < 200 || res.StatusCode > 299:
		return fmt.Errorf("answered %s", res.Status)
	case res.Close:
		return errors.New("the answer closed the connection")
	}
	return nil
}

// formatPerConn writes a per-connection size in kB with one decimal.
func formatPerConn(n int64) string {
	return fmt.Sprintf("%.1f kB", float64(n)/1024)
}
