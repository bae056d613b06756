package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// respond passes the response head and body to the client.
func (c *conn) respond() error {
	x, h, up := &c.x, &c.res, c.x.up
	bodyless := h.bodyless(x.head)
	chunked := false
	switch {
	case bodyless, h.length >= 0:
	case x.minor == 1:
		chunked = true
	default:
		x.close = true // an HTTP/1.0 client learns where the body ends by the connection's end
	}
	if c.p.closing.Load() || c.retired() {
		x.close = true
	}
	if err := c.startResponse(); err != nil {
		return err
	}
	x.responded = true
	c.writeResponseHead(chunked)
	if !bodyless {
		if x.longWait {
			x.longWait = false
			up.setReadBy(time.Time{}) // ResponseHeaderTimeout bounds the head, not the body
		}
		p := &c.pipe
		*p = pipe{dst: c.bw, src: &up.br, fill: c.fillUp}
		var err error
		switch {
		case c.buffersResponse(up) && c.p.holdResponse(h.length):
			err = c.bufferResponse(up)
			c.p.releaseResponse(h.length)
		case h.chunked:
			err = p.chunked(chunked)
		case h.length >= 0:
			err = p.copyN(h.length)
		default:
			err = p.untilEOF(chunked)
		}
		x.bytes = p.n
		if err != nil {
			if p.dstErr != nil {
				return fmt.Errorf("%w: %w", ErrClientGone, err)
			}
			return err
		}
	}
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("%w: %w", ErrClientGone, err)
	}
	return nil
}

// finish ends the exchange: it settles the body goroutine and the watch, reports the result, gives
// the pool back and keeps or closes the backend connection. It reports whether the client
// connection can carry another request.
func (c *conn) finish() bool {
	x := &c.x
	c.joinBody()
	c.stopWatch()
	c.dropSpool()
	if x.body != bodyNone {
		x.close = true // the rest of the body would be read as the next request
	}
	end := time.Now()
	c.now = end
	c.report(end)
	c.unregister()
	if x.pool != nil {
		x.pool.unbind()
	}
	if up := x.up; up != nil {
		if x.err == nil && x.body == bodyNone && !c.gone.Load() && c.reusable() {
			x.pool.up[x.backend].put(up, c.p.opts.MaxIdleConnsPerBackend, end)
		} else {
			up.nc.Close()
		}
	}
	return !x.close && !c.cut.Load() && !c.p.closing.Load()
}

// reusable reports whether the backend connection can carry another request.
func (c *conn) reusable() bool {
	h := &c.res
	return !h.close && (h.bodyless(c.x.head) || !h.untilClose()) && c.x.up.br.len() == 0 && !c.cut.Load()
}

// report passes the result to Options.Observe.
func (c *conn) report(end time.Time) {
	x := &c.x
	observe := x.site.observer(c.p.observe)
	if observe == nil {
		return
	}
	res := Result{Status: x.status, Err: x.err, Duration: end.Sub(x.start), Bytes: x.bytes}
	if x.pool != nil {
		res.Release = x.pool.release
		if x.backend >= 0 {
			res.Backend = x.pool.backends[x.backend].Name
		}
	}
	observe(res)
}

// fail is the fast path's error handler: it answers the client for a request the proxy could not
// complete, with the same pages as the general path, logs why and records the result. Once the
// response has begun it can only break the connection off.
func (c *conn) fail(err error) {
	x := &c.x
	c.joinBody()
	if be := x.bodyErr; x.body == bodyFailed && !x.bodyCut && !x.bodyToUp && !c.cut.Load() {
		// The body goroutine closed the backend connection because the client's body broke
		// off or was malformed; that, not the backend, is what failed.
		if errors.Is(be, ErrMalformedRequest) {
			err = be
		} else {
			err = fmt.Errorf("%w: %w", ErrClientGone, be)
		}
	}
	pg, err := classify(err, c.cut.Load(), c.gone.Load() || errors.Is(err, ErrClientGone))
	if x.pool != nil && x.backend >= 0 {
		err = fmt.Errorf("backend %s: %w", x.pool.backends[x.backend].Name, err)
	}
	x.err = err
	if x.responded {
		x.close = true
		if !errors.Is(err, ErrCut) && !errors.Is(err, ErrClientGone) {
			x.err = fmt.Errorf("%w: %w", errAborted, err)
		}
		c.logFailure(slog.LevelDebug)
		return
	}
	if pg == nil {
		x.status, x.close = StatusClientClosedRequest, true
		c.logFailure(slog.LevelDebug)
		return
	}
	x.status = pg.status
	c.logFailure(slog.LevelWarn)
	if errors.Is(err, ErrMalformedRequest) || errors.Is(err, ErrAmbiguousLength) || c.cut.Load() || c.retired() {
		x.close = true
	}
	c.skipShortBody()
	c.writePage(pg)
}

// skipShortBody reads past the body of a request answered without passing it on, when it came
// with the head; a longer one closes the connection after the answer, as its rest would be read
// as the next request.
func (c *conn) skipShortBody() {
	x := &c.x
	if x.body == bodyPending && c.br.len() >= int(c.req.length) && !c.req.chunked {
		c.br.discard(int(c.req.length))
		x.body = bodyNone
	}
	if x.body != bodyNone {
		x.close = true
	}
}

func (c *conn) logFailure(level slog.Level) {
	x := &c.x
	log := c.p.log
	if !log.Enabled(context.Background(), level) {
		return
	}
	method := string(x.method[:])
	if i := indexZero(x.method[:]); i >= 0 {
		method = method[:i]
	}
	release := ""
	if x.pool != nil {
		release = x.pool.release
	}
	log.Log(context.Background(), level, "proxy error", "release", release, "status", x.status,
		"request_id", string(x.id), "method", method, "err", x.err)
}

func indexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// refuse answers a request whose head is malformed, before it is bound to any pool, and reports it.
func (c *conn) refuse(err error) {
	x := &c.x
	*x = exchange{start: time.Now(), backend: -1, minor: 1, close: true, err: err}
	x.id = appendRequestID(x.idBuf[:0])
	pg, _ := classify(err, false, false)
	x.status = pg.status
	c.logFailure(slog.LevelDebug)
	// Reported before the answer goes out, as under net/http, where a handler's result is in
	// before its response is flushed.
	c.report(time.Now())
	c.writePage(pg)
}
