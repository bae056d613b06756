package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Serve accepts client connections on ln and proxies their requests, with the timeouts of
// [Options]. It returns [http.ErrServerClosed] after [Proxy.Shutdown], and the listener's error when
// it was closed otherwise; it may be called again, with another listener, after that.
//
// Connections are served on the fast path; one whose request needs the general path (an upgrade,
// Expect: 100-continue, a target that is not a path) is handed to an [http.Server] running
// [Proxy.ServeHTTP] from that request on.
func (p *Proxy) Serve(ln net.Listener) error { return p.serve(ln, nil) }

// serve is Serve, and ServeTLS when cfg is not nil.
func (p *Proxy) serve(ln net.Listener, cfg *tls.Config) error {
	p.generalOnce.Do(func() { go p.server.Serve(framingListener{p.handoff}) })
	if !p.trackListener(ln, true) {
		return http.ErrServerClosed
	}
	defer p.trackListener(ln, false)
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if p.closing.Load() {
				return http.ErrServerClosed
			}
			// As net/http: running out of file descriptors passes, so wait and accept again.
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				p.log.Warn("proxy accept failed, retrying", "err", err, "in", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if p.full() {
			nc.Close()
			continue
		}
		if cfg != nil {
			nc = tls.Server(nc, cfg)
		}
		c := newConn(p, nc)
		if !p.trackConn(c, true) {
			nc.Close()
			continue
		}
		if cfg != nil {
			go c.serveTLS()
		} else {
			go c.serve()
		}
	}
}

func (p *Proxy) trackListener(ln net.Listener, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !add {
		delete(p.listeners, ln)
		return true
	}
	if p.closing.Load() {
		return false
	}
	p.listeners[ln] = struct{}{}
	return true
}

func (p *Proxy) trackConn(c *conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !add {
		delete(p.conns, c)
		return true
	}
	if p.closing.Load() {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// Shutdown stops accepting connections, closes idle ones and waits for active requests, then drains
// the current pool of every site, so upgraded connections (which the HTTP server does not track) get until ctx is
// done as well. When ctx ends first, what is left is cut and the error says so.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closing.Store(true)
	p.stopOnce.Do(func() { close(p.stop) })
	for ln := range p.listeners {
		ln.Close()
	}
	p.mu.Unlock()
	// HTTP/2 connections get GOAWAY now, while the others finish (each call waits for its own).
	h2done := make(chan error, 1)
	go func() { h2done <- p.h2.Shutdown(ctx) }()
	err := p.awaitConns(ctx)
	err = errors.Join(err, p.server.Shutdown(ctx), <-h2done)
	p.mu.Lock()
	sites := slices.Clone(p.sites)
	p.mu.Unlock()
	for _, s := range sites {
		if pool := s.Current(); pool != nil {
			err = errors.Join(err, pool.Drain(ctx))
		}
	}
	if err != nil {
		p.closeConns(false)
		err = errors.Join(err, p.server.Close())
		p.h2.Close()
	}
	p.transport.CloseIdleConnections()
	return err
}

// awaitConns closes idle fast-path connections until none is left, as http.Server.Shutdown does:
// an active one closes itself once its response is finished.
func (p *Proxy) awaitConns(ctx context.Context) error {
	return pollUntil(ctx, func() bool { return p.closeConns(true) })
}

// maxPollInterval bounds the wait between two looks of pollUntil.
const maxPollInterval = 100 * time.Millisecond

// pollUntil calls done until it reports true, at intervals that double from a millisecond up to
// maxPollInterval, and returns ctx's error if ctx ends first.
func pollUntil(ctx context.Context, done func() bool) error {
	poll := time.Millisecond
	timer := time.NewTimer(poll)
	defer timer.Stop()
	for !done() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			poll = min(2*poll, maxPollInterval)
			timer.Reset(poll)
		}
	}
	return nil
}

// closeConns closes the idle fast-path connections, or all of them, and reports whether none is
// left.
func (p *Proxy) closeConns(idleOnly bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		if c.state.CompareAndSwap(connIdle, connClosed) || !idleOnly {
			c.nc.Close()
		}
	}
	return len(p.conns) == 0
}

// cutConns cuts the fast-path requests bound to pool; Switch hangs it on the pool's cut.
func (p *Proxy) cutConns(pool *Pool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.cutIf(pool)
	}
}

// connQueue is the listener of the general path's http.Server: it accepts the connections the fast
// path hands over.
type connQueue struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnQueue() *connQueue {
	return &connQueue{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept implements [net.Listener].
func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

// Close implements [net.Listener].
func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

// Addr implements [net.Listener].
func (q *connQueue) Addr() net.Addr { return queueAddr{} }

// push hands c over, and reports false when the queue is closed.
func (q *connQueue) push(c net.Conn) bool {
	select {
	case q.conns <- c:
		return true
	case <-q.done:
		return false
	}
}

type queueAddr struct{}

func (queueAddr) Network() string { return "fast-path" }
func (queueAddr) String() string  { return "handed over by the fast path" }

// handedConn is a connection handed to the general path, with the bytes the fast path had read
// from it and not used yet.
type handedConn struct {
	net.Conn
	pending []byte
	gen     uint64        // the fast path connection's
	open    *atomic.Int64 // Proxy.general, counted down once when closed
	closed  atomic.Bool
}

// Close implements [net.Conn].
func (c *handedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.open.Add(-1)
	}
	return c.Conn.Close()
}

// Read implements [net.Conn]: first what was read already, then the connection.
func (c *handedConn) Read(b []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// CloseWrite lets net/http half-close the connection, as it does for a bare TCP connection.
func (c *handedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Connection states, for Shutdown.
const (
	connActive int32 = iota // reading or serving a request
	connIdle                // waiting for the next request
	connClosed              // closed by Shutdown while idle
)
