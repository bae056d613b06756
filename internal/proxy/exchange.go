package proxy

import (
	"context"
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
	site      *Site // the site the request was routed to, nil if none
	pool      *Pool
	https     *httpsPolicy // the site's, nil for none
	buffer    *Buffering   // the site's, nil for none
	spool     *spool       // the request body, read in full before the request was sent
	rest      []byte       // bytes the client sent after a spooled body, to read next
	backend   int          // index into pool.backends, -1 if none
	up        *upConn
	status    int
	err       error
	head      bool // a HEAD request
	minor     int  // the client's HTTP/1.minor
	close     bool // the client connection closes after the response
	body      int  // bodyNone etc.
	bodyErr   error
	bodyToUp  bool  // bodyErr came writing to the backend, not reading from the client
	bodyCut   bool  // joinBody stopped the body goroutine: the backend connection is closed
	responded bool  // the response head went to the client
	bytes     int64 // the response body's bytes passed on to the client (Result.Bytes)
	watching  bool

	headBy    time.Time // the response head is due by then (ResponseHeaderTimeout)
	longWait  bool      // the backend connection's read deadline is headBy, set once the watch began
	unsent    bool      // the request is gathered in the backend connection's buffer, not sent
	gotInterm bool      // a 1xx response was passed on
	setCookie string    // the canary's Set-Cookie value to add, "" for none

	method [16]byte // for the log
	id     []byte   // X-Request-Id, in idBuf
	idBuf  [maxRequestIDLen]byte
}

// exchange serves one parsed request whose head is n bytes long, and reports whether the
// connection can carry another.
func (c *conn) exchange(n int) bool {
	x := &c.x
	*x = exchange{start: time.Now(), backend: -1, head: c.req.isHead(), minor: c.req.minor, close: c.req.close || c.retired()}
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

// forward routes the request to its site and binds it to the site's current pool, then passes it
// to a backend and the response back to the client.
func (c *conn) forward() error {
	x := &c.x
	site := c.p.route(c.req.host, c.req.target)
	if site == nil {
		return ErrNoSite
	}
	x.site = site
	if x.https = site.https.Load(); !c.secure && redirects(x.https, c.req.host, c.req.target) {
		c.writeRedirect()
		return nil
	}
	if x.buffer = site.buffer.Load(); x.buffer != nil && x.body == bodyPending && x.buffer.Requests {
		if err := c.spoolBody(); err != nil {
			return err
		}
	}
	if g := site.gate.Load(); g != nil {
		next, pool, pg, err := c.admit(site, g)
		if pg != nil {
			c.answer(pg, ErrMaintenance)
			return nil
		}
		if err != nil {
			return err
		}
		site, x.pool = next, pool
	}
	if x.pool == nil {
		if x.pool, x.setCookie = c.bindSite(site); x.pool == nil {
			return site.noRelease()
		}
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
		up, err = c.p.dial(context.Background(), x.pool.backends[x.backend].Addr)
		if err != nil && isDialError(err) {
			c.p.log.Warn("backend refused connection, retrying on the next one",
				"release", x.pool.release, "backend", x.pool.backends[x.backend].Name, "err", err)
			x.backend = (x.backend + 1) % len(x.pool.backends)
			up, err = c.p.dial(context.Background(), x.pool.backends[x.backend].Addr)
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
	wait := min(c.p.watchDelay, c.p.opts.ResponseHeaderTimeout)
	// The deadline may come early, never late: waitUp looks at the clock when it passes. So one
	// set for an earlier request on this connection, less than half a wait ago, is kept, which
	// saves resetting the timer per request.
	if by := x.start.Add(wait); up.readBy.After(by) || up.readBy.Before(by.Add(-wait/2)) {
		up.setReadBy(by)
	}
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
			// ResponseHeaderTimeout counts from the end of the request body: while an upload
			// still arrives, or since it ended, the app has had less than that to answer. (An
			// end left from an earlier request came before this one started: it moves nothing.)
			end := c.bodyEndAt.Load()
			switch by := time.Unix(0, end).Add(c.p.opts.ResponseHeaderTimeout); {
			case end == 0 && x.body == bodyRunning:
				x.headBy = now.Add(c.p.opts.ResponseHeaderTimeout)
			case end != 0 && by.After(x.headBy):
				x.headBy = by
			}
		}
		if inHead && !now.Before(x.headBy) {
			return err
		}
		if !x.watching && c.bodyStopped() {
			c.startWatch()
		}
		switch {
		case !x.watching: // the body goroutine watches the client for now; look again later
			by := now.Add(c.p.watchDelay)
			if inHead && x.headBy.Before(by) {
				by = x.headBy
			}
			x.up.setReadBy(by)
		case inHead:
			x.up.setReadBy(x.headBy)
			x.longWait = true
		default:
			x.up.setReadBy(time.Time{})
		}
	}
}
