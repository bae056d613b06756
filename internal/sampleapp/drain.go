package sampleapp

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultKeepAliveGrace is how long, once draining, a kept-alive connection may stay idle before it
// is closed: clients that send again within it get their answer with "Connection: close" instead of
// a bare close they would have to race.
const DefaultKeepAliveGrace = time.Second

// drainer lets a server stop the way a deploy wants it to: stop accepting, finish what is in
// flight, and end each kept-alive connection between requests, never under one. http.Server's own
// Shutdown closes idle keep-alive connections at once, and a client whose next request crosses that
// close must re-send it (a GET) or fail (a POST).
type drainer struct {
	draining atomic.Bool
	mu       sync.Mutex
	open     map[net.Conn]http.ConnState
	changed  chan struct{} // closed and replaced whenever a connection changes state
}

func newDrainer() *drainer {
	return &drainer{open: map[net.Conn]http.ConnState{}, changed: make(chan struct{})}
}

// connState tracks the server's connections (http.Server.ConnState).
func (d *drainer) connState(c net.Conn, s http.ConnState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(d.open, c)
	default:
		d.open[c] = s
	}
	close(d.changed)
	d.changed = make(chan struct{})
}

// wrap marks every response "Connection: close" once draining, so the server closes each
// connection right after answering on it.
func (d *drainer) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// drain stops accepting on ln and waits until every connection has closed, or grace has passed
// since the last one was answered; then srv.Shutdown closes what is idle and waits for the rest.
func (d *drainer) drain(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	d.draining.Store(true)
	ln.Close()
	quiet := time.NewTimer(grace)
	defer quiet.Stop()
	for {
		d.mu.Lock()
		n, changed := len(d.open), d.changed
		d.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-changed:
			quiet.Reset(grace) // a connection was used: its client is still around
			continue
		case <-quiet.C:
		case <-ctx.Done():
		}
		break
	}
	return srv.Shutdown(ctx)
}
