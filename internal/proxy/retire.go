package proxy

import (
	"context"
	"fmt"
	"net/http"
)

// Retire ends every client connection open now between requests: each one's next response says
// Connection: close and the connection closes after it, so a client never has a connection closed
// under a request, nor by a bare FIN it would have to race with its next request. Connections
// accepted later are not retired. An idle one stays open until its next request or the idle
// timeout, as any idle connection does; [Proxy.Wait] waits for them all.
//
// An HTTP/2 connection gets GOAWAY with its next response: its streams in flight finish and the
// client opens a new connection for the next ones.
//
// A daemon retires its connections when it hands the public socket to its successor, or to an app
// that accepts on it itself.
func (p *Proxy) Retire() { p.retired.Add(1) }

// RetireAll is Retire for every connection, open now or accepted from now on: for a daemon that
// has handed over, whose accept loops, closed aside, may still take a last connection, which must
// end after its first response as the others do rather than stay open as a keep-alive one.
func (p *Proxy) RetireAll() {
	p.retiredAll.Store(true)
	p.Retire()
}

// isRetired reports whether a connection accepted in generation gen was retired since.
func (p *Proxy) isRetired(gen uint64) bool { return p.retiredAll.Load() || gen < p.retired.Load() }

// Open returns how many client connections are open, on either path.
func (p *Proxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns) + int(p.general.Load())
}

// Wait returns once no client connection is open, or with an error saying how many are when ctx
// is done.
func (p *Proxy) Wait(ctx context.Context) error {
	if err := pollUntil(ctx, func() bool { return p.Open() == 0 }); err != nil {
		return fmt.Errorf("%d client connection(s) still open: %w", p.Open(), err)
	}
	return nil
}

// retireGeneral makes a retired general-path connection close after this response. An upgrade's
// response is left alone: the connection then carries another protocol, and ends with it.
func retireGeneral(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") == "" {
		w.Header().Set("Connection", "close")
	}
}
