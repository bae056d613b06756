package proxy

import (
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// staleCheckAfter is how long a backend connection may sit idle before it is checked, when taken
// for a request, for having been closed by the backend meanwhile (an app server's own keep-alive
// timeout, Node's is 5 s). The check costs a system call; connections in steady use skip it.
const staleCheckAfter = 250 * time.Millisecond

// upConn is a keep-alive connection to a backend, used by one request at a time.
type upConn struct {
	nc     net.Conn
	rw     io.ReadWriter // nc, or a sysConn over it
	br     reader
	bw     *writer
	idleAt time.Time // when it was last put back
	readBy time.Time // its read deadline
	reused bool      // it carried a request before this one
}

// setReadBy sets the connection's read deadline.
func (u *upConn) setReadBy(t time.Time) {
	u.nc.SetReadDeadline(t)
	u.readBy = t
}

// upstream is the idle connections to one backend, the most recently used last: reusing the
// warmest connection first lets the others age out when traffic drops.
type upstream struct {
	mu     sync.Mutex
	idle   []*upConn
	closed bool        // the pool is drained: connections are closed instead of kept
	sweep  *time.Timer // closes connections idle longer than DefaultBackendIdleTimeout
	armed  bool
}

// get returns an idle connection that is still open, or nil.
func (u *upstream) get(now time.Time) *upConn {
	for {
		u.mu.Lock()
		n := len(u.idle)
		if n == 0 {
			u.mu.Unlock()
			return nil
		}
		uc := u.idle[n-1]
		u.idle[n-1] = nil
		u.idle = u.idle[:n-1]
		u.mu.Unlock()
		idle := now.Sub(uc.idleAt)
		if idle < staleCheckAfter || idle < DefaultBackendIdleTimeout && alive(uc.nc) {
			return uc
		}
		uc.nc.Close()
	}
}

// put keeps uc for the next request, unless max are kept already or the pool is drained.
func (u *upstream) put(uc *upConn, max int, now time.Time) {
	uc.idleAt, uc.reused = now, true
	u.mu.Lock()
	if u.closed || len(u.idle) >= max {
		u.mu.Unlock()
		uc.nc.Close()
		return
	}
	u.idle = append(u.idle, uc)
	if !u.armed {
		u.armed = true
		if u.sweep == nil {
			u.sweep = time.AfterFunc(DefaultBackendIdleTimeout, u.closeOld)
		} else {
			u.sweep.Reset(DefaultBackendIdleTimeout)
		}
	}
	u.mu.Unlock()
}

// closeOld closes the connections idle longer than DefaultBackendIdleTimeout, and comes back while
// some are left.
func (u *upstream) closeOld() {
	u.mu.Lock()
	defer u.mu.Unlock()
	now := time.Now()
	keep := u.idle[:0]
	for _, uc := range u.idle {
		if now.Sub(uc.idleAt) >= DefaultBackendIdleTimeout {
			uc.nc.Close()
		} else {
			keep = append(keep, uc)
		}
	}
	clear(u.idle[len(keep):])
	u.idle = keep
	if u.armed = len(keep) > 0 && !u.closed; u.armed {
		u.sweep.Reset(DefaultBackendIdleTimeout - now.Sub(keep[0].idleAt))
	}
}

// close closes the idle connections, and those put back later.
func (u *upstream) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	for _, uc := range u.idle {
		uc.nc.Close()
	}
	clear(u.idle)
	u.idle = u.idle[:0]
	if u.sweep != nil {
		u.sweep.Stop()
	}
	u.armed = false
}

// dial opens a new connection to the backend at addr, within DefaultDialTimeout; it gives up
// when ctx ends (the client of an HTTP/2 stream left).
func (p *Proxy) dial(ctx context.Context, addr string) (*upConn, error) {
	nc, err := p.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	rw := rawIO(nc)
	return &upConn{nc: nc, rw: rw, br: newReader(rw), bw: newWriter(rw)}, nil
}

// sendFill sends the request gathered in bw and reads the start of the answer into br, with one
// system call fewer than Flush and fill when it can.
func (u *upConn) sendFill() error {
	sc, ok := u.rw.(*sysConn)
	if !ok {
		if err := u.bw.Flush(); err != nil {
			return err
		}
		return u.br.fill(maxHeadBytes)
	}
	if err := u.br.room(maxHeadBytes); err != nil {
		return err
	}
	n, err := sc.sendRecv(u.bw.take(), u.br.buf[u.br.w:])
	u.br.w += n
	if n > 0 {
		return nil
	}
	return err
}
