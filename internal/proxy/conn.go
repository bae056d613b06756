package proxy

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it makes a blocked read or write return at once.
var aLongTimeAgo = time.Unix(1, 0)

// idleDeadlineSlack is how much sooner than IdleTimeout an idle client connection may be closed,
// so that its read deadline need not be set again for every request.
const idleDeadlineSlack = time.Second

// sendDeadlineSlack is how much sooner than SendTimeout a write to a client that does not read may
// fail, so that the write deadline need not be set again for every write.
const sendDeadlineSlack = time.Second

// conn is one client connection on the fast path. One goroutine serves its requests in turn; a
// request body that streams is sent by a second one, and a watch for the client leaving runs in a
// third while a response is slow to come.
type conn struct {
	p  *Proxy
	nc net.Conn
	br reader
	bw *writer
	ip string // the client's address, for X-Forwarded-For
	// trusted says the client is one of Options.TrustedProxies: the X-Forwarded-For it sends is kept.
	trusted bool
	tls     bool
	// secure says the request came over TLS: on this connection, or to the daemon that handed it
	// over or the trusted proxy that passed it on; handed, that it was handed over (see
	// handover.go). Both are set per request.
	secure, handed bool
	gen            uint64       // Proxy.retired when accepted
	state          atomic.Int32 // connActive, connIdle or connClosed

	readBy  time.Time    // the read deadline the serving goroutine set last
	writeBy atomic.Int64 // the write deadline set last, in Unix nanoseconds
	now     time.Time    // when the last response was finished, zero before the first

	req  request
	res  response
	x    exchange // the request being served
	pipe pipe     // the response body's

	// Made once, so the body pipes do not allocate per request.
	fillClient, fillUp func() error
	forgetFn           func()
	bodyDone           chan struct{}
	bodyEnd            atomic.Int32 // bodyGoing, bodyBroke or bodyStopped
	bodyEndAt          atomic.Int64 // when the body goroutine finished sending the body, Unix ns
	watchDone          chan int
	peek               [1]byte

	// mu orders a drain's cut against the exchange registering its pool and backend connection
	// and starting its response.
	mu         sync.Mutex
	bound      *Pool
	up         *upConn
	responding bool
	cut        atomic.Bool // the request was cut off by a drain
	gone       atomic.Bool // the watch saw the client leave
}

func newConn(p *Proxy, nc net.Conn) *conn {
	rw := rawIO(nc)
	c := &conn{p: p, nc: nc, bw: &writer{dst: rw}, br: reader{src: rw}, gen: p.retired.Load()} // buffers come with the first request
	c.ip = clientIP(nc.RemoteAddr().String())
	c.trusted = p.trusts(c.ip)
	_, c.tls = nc.(*tls.Conn)
	c.fillClient = c.fillBody
	c.fillUp = c.waitUp
	c.forgetFn = c.forget
	c.bw.before = c.extendSend
	return c
}

// extendSend moves the client connection's write deadline to SendTimeout from now before a write,
// unless the one set last is still close enough (within sendDeadlineSlack of it): a write that
// waits longer than SendTimeout less that slack for the client to read fails.
func (c *conn) extendSend() {
	now := time.Now()
	timeout := c.p.opts.SendTimeout
	if time.Unix(0, c.writeBy.Load()).Sub(now) >= timeout-min(sendDeadlineSlack, timeout/4) {
		return
	}
	by := now.Add(timeout)
	c.nc.SetWriteDeadline(by)
	c.writeBy.Store(by.UnixNano())
}

// serve serves the connection's requests until it closes or is handed over.
func (c *conn) serve() {
	defer c.p.trackConn(c, false)
	for {
		n, ok := c.next()
		if !ok {
			break
		}
		if c.req.general() || c.challengeNext() {
			c.handOff()
			return
		}
		if !c.exchange(n) {
			break
		}
	}
	c.nc.Close()
}

// next waits for the next request and parses its head, whose length it returns. A malformed one
// is answered here. false means the connection is done.
func (c *conn) next() (int, bool) {
	if c.br.len() == 0 && !c.idle() {
		return 0, false
	}
	n, err := c.readHead()
	if err == nil {
		err = c.req.parse(c.br.buffered()[:n])
	}
	c.handed = err == nil && c.req.handover != nil && c.p.handedFrom(c.req.handover, c.ip)
	c.secure = c.tls || err == nil && (c.handed || c.trusted) && c.req.forwardedHTTPS
	if err != nil {
		if errors.Is(err, ErrMalformedRequest) || errors.Is(err, ErrAmbiguousLength) {
			c.refuse(err)
		}
		return 0, false
	}
	return n, true
}

// idle waits for the first bytes of the next request, for up to IdleTimeout. It holds no buffer
// while it waits: the read buffer comes from the pool once bytes do, the write buffer when the
// response is written, and what the last exchange pointed to is forgotten before the wait. So the
// many idle connections of browsers and keep-alive pools cost only their goroutine and a few
// hundred bytes, and a busy connection pays two pool round trips per request for it, not a system
// call.
func (c *conn) idle() bool {
	c.state.Store(connIdle)
	if c.p.closing.Load() {
		return false
	}
	now := c.now
	if now.IsZero() {
		now = time.Now()
	}
	// A deadline set less than idleDeadlineSlack ago is close enough: a busy connection then
	// resets its timer about once a second rather than once per request.
	end := now.Add(c.p.opts.IdleTimeout)
	if c.readBy.Before(end.Add(-idleDeadlineSlack)) || c.readBy.After(end) {
		c.setReadBy(end)
	}
	c.bw.release()
	c.br.release()
	if err := c.br.fillPooled(c.forgetFn); err != nil {
		return false
	}
	return c.active()
}

// forget drops what the last exchange pointed to, so that a parked connection keeps neither the
// buffer it gave back nor the backend connection it last used from being collected.
func (c *conn) forget() {
	clear(c.req.fields[:cap(c.req.fields)])
	clear(c.req.tokens[:cap(c.req.tokens)])
	c.req = request{fields: c.req.fields[:0], tokens: c.req.tokens[:0]}
	clear(c.res.fields[:cap(c.res.fields)])
	clear(c.res.tokens[:cap(c.res.tokens)])
	c.res = response{fields: c.res.fields[:0], tokens: c.res.tokens[:0]}
	c.pipe = pipe{}
	c.x = exchange{}
}

// retired reports whether the connection should close after its current response.
func (c *conn) retired() bool { return c.p.isRetired(c.gen) }

// setReadBy sets the client connection's read deadline.
func (c *conn) setReadBy(t time.Time) {
	c.nc.SetReadDeadline(t)
	c.readBy = t
}

// active marks the connection busy with a request, unless Shutdown closed it as idle first.
func (c *conn) active() bool { return c.state.CompareAndSwap(connIdle, connActive) }

// readHead returns the length of the request head at the start of the buffer, reading until it is
// complete, for up to ReadHeaderTimeout once more than one read is needed.
func (c *conn) readHead() (int, error) {
	from, timed := 0, false
	for {
		b := c.br.buffered()
		for from == 0 && len(b) >= 2 && b[0] == '\r' && b[1] == '\n' {
			c.br.discard(2) // RFC 9112 section 2.2: empty lines before a request line are skipped
			b = c.br.buffered()
		}
		if len(b) > 0 && b[0] == '\n' {
			return 0, errBareLF
		}
		n, ok := scanHead(b, &from, true)
		switch {
		case !ok:
			return 0, errBareLF
		case n > 0:
			return n, nil
		case len(b) > MaxRequestLineBytes && bytes.IndexByte(b[:MaxRequestLineBytes], '\n') < 0:
			return 0, errLineTooLong
		case len(b) >= MaxRequestHeadBytes:
			return 0, errHeadTooLarge
		}
		if !timed {
			c.setReadBy(time.Now().Add(c.p.opts.ReadHeaderTimeout))
			timed = true
		}
		if err := c.br.fill(MaxRequestHeadBytes); err != nil {
			if err == errBufferFull {
				return 0, errHeadTooLarge
			}
			return 0, err
		}
	}
}

// handOff gives the connection, with the request just read, to the general path.
func (c *conn) handOff() {
	hc := &handedConn{Conn: c.nc, pending: bytes.Clone(c.br.buffered()), gen: c.gen, open: &c.p.general}
	c.p.general.Add(1)
	c.p.trackConn(c, false)
	if !c.p.handoff.push(hc) {
		hc.Close()
	}
}

// register makes the request's pool and backend connection known to a cut, and fails if the pool
// was cut already.
func (c *conn) register(pool *Pool, up *upConn) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bound, c.up = pool, up
	if c.cut.Load() || pool.cut.Err() != nil {
		c.cut.Store(true)
		return ErrCut
	}
	return nil
}

// startResponse notes that the response is on its way to the client, from when a cut closes the
// client connection instead of letting a 502 page through.
func (c *conn) startResponse() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.responding = true
	if c.cut.Load() {
		return ErrCut
	}
	return nil
}

// unregister ends what register started.
func (c *conn) unregister() {
	c.mu.Lock()
	c.bound, c.up, c.responding = nil, nil, false
	c.mu.Unlock()
}

// cutIf cuts the request in flight if it is bound to pool: closing the backend connection ends
// the wait for the response, or its body; before the response started, the client can still be
// told so with a 502, so only reads from it are stopped; after, the connection is closed.
func (c *conn) cutIf(pool *Pool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bound != pool || c.cut.Load() {
		return
	}
	c.cut.Store(true)
	if c.up != nil {
		c.up.nc.Close()
	}
	if c.responding {
		c.nc.Close()
	} else {
		c.nc.SetReadDeadline(aLongTimeAgo)
	}
}

// closeUp closes the request's backend connection, if it has one, to end a wait on it.
func (c *conn) closeUp() {
	c.mu.Lock()
	if c.up != nil {
		c.up.nc.Close()
	}
	c.mu.Unlock()
}

// startWatch watches the client connection for its end while the proxy waits for the backend: a
// client that left must not keep the app busy. It reads one byte, which, if the client pipelines
// its next request, goes back in front of the rest when the watch stops.
func (c *conn) startWatch() {
	if c.watchDone == nil {
		c.watchDone = make(chan int, 1)
	}
	c.x.watching = true
	c.setReadBy(time.Time{})
	go c.watch()
}

func (c *conn) watch() {
	n, err := c.nc.Read(c.peek[:])
	if n == 0 && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.gone.Store(true)
		c.closeUp()
	}
	c.watchDone <- n
}

// stopWatch ends the watch, if one runs, and waits for it.
func (c *conn) stopWatch() {
	if !c.x.watching {
		return
	}
	c.setReadBy(aLongTimeAgo)
	if n := <-c.watchDone; n > 0 {
		c.br.unread(c.peek[:n])
	}
	c.x.watching = false
}

// fillBody reads more of a request body from the client, for up to BodyReadTimeout. A stop of the
// body (a deadline in the past, set by joinBody) that comes while the deadline is set wins.
func (c *conn) fillBody() error {
	if c.bodyEnd.Load() == bodyGoing {
		c.nc.SetReadDeadline(time.Now().Add(c.p.opts.BodyReadTimeout))
		if c.bodyEnd.Load() != bodyGoing {
			c.nc.SetReadDeadline(aLongTimeAgo)
		}
	}
	return c.br.fill(2 * maxLineBytes)
}
