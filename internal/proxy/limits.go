package proxy

import "time"

const (
	// DefaultMaxConns bounds the client connections the proxy keeps open at once, as nginx's
	// worker_connections bounds its own. Past it, a new connection is closed as soon as it is
	// accepted, so the connections already open keep being served.
	DefaultMaxConns = 10_000
	// DefaultFDReserve is how many file descriptors the connection cap leaves free for the rest of
	// the daemon: the control socket and its clients, log and record files, app processes' pipes.
	DefaultFDReserve = 256
	// DefaultRefusalLogInterval is how often, at most, refusing connections at the cap is logged.
	DefaultRefusalLogInterval = 10 * time.Second
	// DefaultMaxStreams bounds the requests an HTTP/2 client may have open at once on one
	// connection, as nginx's http2_max_concurrent_streams (128) does: each holds a goroutine and
	// buffers while its body trickles in (about 28 KB each under a probe of stalled uploads).
	DefaultMaxStreams = 128
)

// connLimit returns the connection cap for the configured max (zero means DefaultMaxConns) under
// an open-file limit of nofile (zero means unknown): each client connection may hold a backend
// connection too, so the cap is at most half of what the reserve leaves.
func connLimit(max int, nofile uint64) int {
	if max <= 0 {
		max = DefaultMaxConns
	}
	if nofile == 0 {
		return max
	}
	fit := 1
	if nofile > DefaultFDReserve+2 {
		fit = int(min((nofile-DefaultFDReserve)/2, 1<<30))
	}
	return min(max, fit)
}

// full reports whether the connection cap is reached, logging so at most once per
// DefaultRefusalLogInterval with how many connections were refused since the last line.
func (p *Proxy) full() bool {
	p.mu.Lock()
	open := len(p.conns) + int(p.general.Load())
	p.mu.Unlock()
	if open < p.opts.MaxConns {
		return false
	}
	n := p.refused.Add(1)
	now := time.Now().UnixNano()
	last := p.refusedAt.Load()
	if now-last >= int64(DefaultRefusalLogInterval) && p.refusedAt.CompareAndSwap(last, now) {
		p.refused.Add(-n)
		p.log.Warn("proxy connection cap reached, closing new connections", "open", open, "max", p.opts.MaxConns, "refused", n)
	}
	return true
}
