package socket

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// Conns tracks the client connections accepted through the listeners it wraps, so that a daemon
// that hands over to its successor, or stops proxying, can end each of them between requests: a
// retired connection's next request gets Connection: close (see requests), so the server answers it,
// says so in the answer, and closes the connection. A client never has its connection closed under
// a request, nor by a bare FIN it would have to race with its next request. A connection that stays
// idle ends when the server's idle timeout closes it, as any idle connection does.
type Conns struct {
	mu    sync.Mutex
	open  map[*conn]struct{}
	empty chan struct{} // closed and replaced each time open becomes empty
}

// NewConns returns a tracker with no connection.
func NewConns() *Conns {
	return &Conns{open: map[*conn]struct{}{}, empty: make(chan struct{})}
}

// Listener wraps ln: the connections it accepts are tracked until closed.
func (cs *Conns) Listener(ln net.Listener) net.Listener { return listener{ln, cs} }

// Retire retires every connection open now; connections accepted later are not retired.
func (cs *Conns) Retire() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for c := range cs.open {
		c.retire()
	}
}

// Open returns how many connections are open.
func (cs *Conns) Open() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.open)
}

// Wait returns once no connection is open, or with an error saying how many are when ctx is done.
func (cs *Conns) Wait(ctx context.Context) error {
	for {
		cs.mu.Lock()
		n, empty := len(cs.open), cs.empty
		cs.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-empty:
		case <-ctx.Done():
			return fmt.Errorf("%d client connection(s) still open: %w", cs.Open(), ctx.Err())
		}
	}
}

func (cs *Conns) add(c *conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.open[c] = struct{}{}
}

func (cs *Conns) remove(c *conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if _, ok := cs.open[c]; !ok {
		return
	}
	delete(cs.open, c)
	if len(cs.open) == 0 {
		close(cs.empty)
		cs.empty = make(chan struct{})
	}
}

type listener struct {
	net.Listener
	cs *Conns
}

// Accept implements net.Listener.
func (l listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &conn{Conn: nc, cs: l.cs}
	l.cs.add(c)
	return c, nil
}

// conn is a tracked client connection.
type conn struct {
	net.Conn
	cs *Conns

	mu       sync.Mutex // guards the fields below; reads are one at a time anyway
	reqs     requests
	retiring bool
	pending  []byte // read and passed through the framing, not yet returned
	err      error  // returned once pending is drained
}

func (c *conn) retire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retiring = true
}

// Read implements net.Conn, adding Connection: close to the next request head once retiring.
func (c *conn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		var err error
		if len(c.pending) == 0 {
			err, c.err = c.err, nil
		}
		c.mu.Unlock()
		return n, err
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(b)
	if n == 0 {
		return n, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if out := c.reqs.feed(b[:n], c.retiring); out != nil {
		n = copy(b, out)
		if n < len(out) {
			c.pending, c.err = out[n:], err
			return n, nil
		}
	}
	return n, err
}

// Close implements net.Conn.
func (c *conn) Close() error {
	c.cs.remove(c)
	return c.Conn.Close()
}

// CloseWrite lets a server half-close the connection, as it does a bare TCP connection.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
