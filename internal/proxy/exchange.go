package proxy

import (
	"errors"
	"os"
	"time"
)

// DefaultClientWatchDelay is how long the fast path waits on a backend before it also watches the
// client connection for the client leaving, so that the backend connection is closed and the app
// sees the request cancelled, as under net/http. Shorter waits, nearly all of them, cost no watch.
const DefaultClientWatchDelay = 100 * time.Millisecond

// How the body goroutine ended, when not by sending the whole body.
const (
	bodyGoing   = iota
	bodyBroke   // the client's body broke off or was malformed
	bodyStopped // joinBody stopped it
)

// Where a request's body is.
const (
	bodyNone    = iota // no body, or passed on in full
	bodyPending        // not read yet
	bodyRunning        // being sent by the body goroutine
	bodyFailed         // not passed on in full
)

// exchange is the state of the request a conn is serving.
type exchange struct {
	start     time.Time
	pool      *Pool
	backend   int // index into pool.backends, -1 if none
	up        *upConn
	status    int
	err       error
	head      bool // a HEAD request
	minor     int  // the client's HTTP/1.minor
	close     bool // the client connection closes after the response
	body      int  // bodyNone etc.
	bodyErr   error
	bodyToUp  bool // bodyErr came writing to the backend, not reading from the client
	bodyCut   bool // joinBody stopped the body goroutine: the backend connection is closed
	responded bool // the response head went to the client
	watching  bool

	headBy    time.Time // the response head is due by then (ResponseHeaderTimeout)
	readBy    time.Time // the backend connection's read deadline
	longWait  bool      // readBy is headBy, set once the watch began
	unsent    bool      // the request is gathered in the backend connection's buffer, not sent
	gotInterm bool      // a 1xx response was passed on

	method [16]byte // for the log
	id     []byte   // X-Request-Id, in idBuf
	idBuf  [maxRequestIDLen]byte
}

// exchange serves one parsed request whose head is n bytes long, and reports whether the
// connection can carry another.
func (c *conn) exchange(n int) bool {
	x := &c.x
	*x = exchange{start: time.Now(), backend: -1, head: c.req.isHead(), minor: c.req.minor, close: c.req.close}
	copy(x.method[:], c.req.method)
	c.cut.Store(false)
	c.gone.Store(false)
	if c.req.requestIDs == 1 && validRequestID(c.req.requestID) {
		x.id = append(x.idBuf[:0], c.req.requestID...)
	} else {
		x.id = appendRequestID(x.idBuf[:0])
	}
	c.br.discard(n) // the head's bytes stay in place until the buffer is filled again
	if c.req.hasBody() {
		x.body = bodyPending
	}
	if err := c.forward(); err != nil {
		c.fail(err)
	}
	return c.finish()
}

// forward binds the request to the current pool and passes it to a backend, and the response back.
func (c *conn) forward() error {
	x := &c.x
	if x.pool = c.p.bind(); x.pool == nil {
		return ErrNoRelease
	}
	if x.backend = x.pool.pick(); x.backend < 0 {
		return errNoBackends
	}
	up, err := c.connect(false)
	if err != nil {
		return err
	}
	err = c.roundTrip(up)
	if err != nil && c.replay(up, err) {
		c.p.log.Debug("backend closed a keep-alive connection, sending the request again",
			"release", x.pool.release, "backend", x.pool.backends[x.backend].Name, "err", err)
		up.nc.Close()
		if up, err = c.connect(true); err != nil {
			return err
		}
		err = c.roundTrip(up)
	}
	if err != nil {
		return err
	}
	return c.respond()
}

// connect takes an idle connection to the chosen backend, or dials one; fresh forces a dial. A
// backend that refuses the connection never saw the request, so the next one is tried, once.
func (c *conn) connect(fresh bool) (*upConn, error) {
	x := &c.x
	u := &x.pool.up[x.backend]
	var up *upConn
	if !fresh {
		up = u.get(x.start)
	}
	if up == nil {
		var err error
		up, err = c.p.dial(x.pool.backends[x.backend].Addr)
		if err != nil && isDialError(err) {
			c.p.log.Warn("backend refused connection, retrying on the next one",
				"release", x.pool.release, "backend", x.pool.backends[x.backend].Name, "err", err)
			x.backend = (x.backend + 1) % len(x.pool.backends)
			up, err = c.p.dial(x.pool.backends[x.backend].Addr)
		}
		if err != nil {
			return nil, err
		}
	}
	x.up = up
	return up, c.register(x.pool, up)
}

// replay reports whether a request that failed on a reused keep-alive connection, before any of
// the response came, may be sent again: the backend had most likely closed the connection while
// it was idle.
func (c *conn) replay(up *upConn, err error) bool {
	x := &c.x
	return up.reused && !x.gotInterm && up.br.len() == 0 && c.req.replayable() &&
		!c.cut.Load() && !c.gone.Load() && !errors.Is(err, os.ErrDeadlineExceeded) &&
		!errors.Is(err, errBadResponse)
}

// roundTrip sends the request head, and its body or starts sending it, then reads the response
// head, passing 1xx responses on.
func (c *conn) roundTrip(up *upConn) error {
	x := &c.x
	c.writeRequestHead(up.bw, x.pool.backends[x.backend].Addr)
	if err := c.sendBody(up); err != nil {
		return err
	}
	x.headBy = x.start.Add(c.p.opts.ResponseHeaderTimeout)
	x.readBy = x.start.Add(c.p.watchDelay)
	if x.headBy.Before(x.readBy) {
		x.readBy = x.headBy
	}
	up.nc.SetReadDeadline(x.readBy)
	for {
		n, err := c.readResponseHead(up)
		if err != nil {
			return err
		}
		if err := c.res.parse(up.br.buffered()[:n]); err != nil {
			return err
		}
		up.br.discard(n)
		switch {
		case c.res.status == 101:
			return errSwitching
		case c.res.status >= 200:
			x.status = c.res.status
			return nil
		case x.minor == 1: // HTTP/1.0 clients do not know 1xx
			x.gotInterm = true
			c.writeInterim()
			if err := c.bw.Flush(); err != nil {
				return err
			}
		}
	}
}

// sendBody sends a body that is in the buffer already along with the head; one still to come is
// streamed by a goroutine of its own, so that a backend that answers before it read it all, or
// while it reads, is heard.
func (c *conn) sendBody(up *upConn) error {
	x := &c.x
	if x.body != bodyPending {
		x.unsent = true // sent with the read that waits for the answer: see upConn.sendFill
		return nil
	}
	if !c.req.chunked && int64(c.br.len()) >= c.req.length {
		up.bw.Write(c.br.buffered()[:c.req.length])
		c.br.discard(int(c.req.length))
		x.body, x.unsent = bodyNone, true
		return nil
	}
	// A cut stops reads from the client by a deadline in the past; see it before clearing that.
	c.nc.SetReadDeadline(time.Time{})
	if c.cut.Load() {
		return ErrCut
	}
	if c.bodyDone == nil {
		c.bodyDone = make(chan struct{}, 1)
	}
	x.body = bodyRunning
	c.bodyEnd.Store(bodyGoing)
	go c.streamBody(up)
	return nil
}

// streamBody sends the request body to the backend; it runs in its own goroutine.
func (c *conn) streamBody(up *upConn) {
	p := pipe{dst: up.bw, src: &c.br, fill: c.fillClient, client: true}
	var err error
	if c.req.chunked {
		err = p.chunked(true)
	} else {
		err = p.copyN(c.req.length)
	}
	if err == nil {
		if err = up.bw.Flush(); err != nil {
			p.dstErr = err
		}
	}
	c.x.bodyErr, c.x.bodyToUp = err, p.dstErr != nil
	// The body will not be complete: the backend must not wait for the rest of it. When writing
	// to the backend failed, its answer may be on its way, so that connection stays open.
	if err != nil && p.dstErr == nil && c.bodyEnd.CompareAndSwap(bodyGoing, bodyBroke) {
		c.closeUp()
	}
	c.bodyDone <- struct{}{}
}

// joinBody waits for the body goroutine, stopping it first when it is not done: the response is
// over, or failed, and what is left of the body is not wanted.
func (c *conn) joinBody() {
	if c.x.body != bodyRunning {
		return
	}
	select {
	case <-c.bodyDone:
	default:
		if c.bodyEnd.CompareAndSwap(bodyGoing, bodyStopped) {
			c.nc.SetReadDeadline(aLongTimeAgo)
			c.closeUp()
		}
		<-c.bodyDone
	}
	c.bodyJoined()
}

// bodyStopped reports whether no body goroutine reads from the client.
func (c *conn) bodyStopped() bool {
	if c.x.body != bodyRunning {
		return true
	}
	select {
	case <-c.bodyDone:
		c.bodyJoined()
		return true
	default:
		return false
	}
}

// bodyJoined settles the body's state once its goroutine is done.
func (c *conn) bodyJoined() {
	x := &c.x
	x.bodyCut = c.bodyEnd.Load() == bodyStopped
	x.body = bodyNone
	if x.bodyErr != nil || x.bodyCut {
		x.body = bodyFailed
	}
}

// readResponseHead returns the length of the response head at the start of up's buffer, reading
// until it is complete.
func (c *conn) readResponseHead(up *upConn) (int, error) {
	from := 0
	for {
		n, _ := scanHead(up.br.buffered(), &from, false)
		if n > 0 {
			return n, nil
		}
		if up.br.len() >= maxHeadBytes {
			return 0, errResTooLarge
		}
		if err := c.waitUp(); err != nil {
			if err == errBufferFull {
				return 0, errResTooLarge
			}
			return 0, err
		}
	}
}

// waitUp reads more from the backend. Until the response head is in, the wait ends at
// ResponseHeaderTimeout; once it has lasted DefaultClientWatchDelay the client is watched as well.
func (c *conn) waitUp() error {
	x := &c.x
	for {
		var err error
		if x.unsent {
			x.unsent = false
			err = x.up.sendFill()
		} else {
			err = x.up.br.fill(maxHeadBytes)
		}
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) || c.cut.Load() || c.gone.Load() {
			return err
		}
		now := time.Now()
		inHead := !x.responded
		if inHead && !now.Before(x.headBy) {
			return err
		}
		if !x.watching && c.bodyStopped() {
			c.startWatch()
		}
		switch {
		case !x.watching: // the body goroutine watches the client for now; look again later
			x.readBy = now.Add(c.p.watchDelay)
			if inHead && x.headBy.Before(x.readBy) {
				x.readBy = x.headBy
			}
		case inHead:
			x.readBy, x.longWait = x.headBy, true
		default:
			x.readBy = time.Time{}
		}
		x.up.nc.SetReadDeadline(x.readBy)
	}
}
