package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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
	if c.p.closing.Load() {
		x.close = true
	}
	if err := c.startResponse(); err != nil {
		return err
	}
	x.responded = true
	c.writeResponseHead(chunked)
	if !bodyless {
		if x.longWait {
			x.readBy, x.longWait = time.Time{}, false
			up.nc.SetReadDeadline(x.readBy) // ResponseHeaderTimeout bounds the head, not the body
		}
		p := &c.pipe
		*p = pipe{dst: c.bw, src: &up.br, fill: c.fillUp}
		var err error
		switch {
		case h.chunked:
			err = p.chunked(chunked)
		case h.length >= 0:
			err = p.copyN(h.length)
		default:
			err = p.untilEOF(chunked)
		}
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
	if x.body != bodyNone {
		x.close = true // the rest of the body would be read as the next request
	}
	end := time.Now()
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
	observe := c.p.observe
	if observe == nil {
		return
	}
	x := &c.x
	res := Result{Status: x.status, Err: x.err, Duration: end.Sub(x.start)}
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
	if errors.Is(err, ErrMalformedRequest) || errors.Is(err, ErrAmbiguousLength) || c.cut.Load() {
		x.close = true
	}
	if x.body == bodyPending && c.br.len() >= int(c.req.length) && !c.req.chunked {
		c.br.discard(int(c.req.length)) // a short body that came with the head: read past it
		x.body = bodyNone
	}
	if x.body != bodyNone {
		x.close = true
	}
	c.writePage(pg)
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

// writePage writes an error page as the response.
func (c *conn) writePage(pg *page) {
	x, w := &c.x, c.bw.use()
	w.WriteString(pg.statusLine)
	w.WriteString("Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ")
	w.WriteString(pg.length)
	w.WriteString("\r\nX-Request-Id: ")
	w.Write(x.id)
	if x.close {
		w.WriteString("\r\nConnection: close")
	}
	w.WriteString("\r\n\r\n")
	if !x.head {
		w.Write(pg.body)
	}
	w.Flush()
}

// writeRequestHead writes the head passed to the backend at addr: the client's request line and
// fields, less hop-by-hop ones and those the proxy sets itself, with the body's framing and the
// forwarding headers. The Host field is kept as the client sent it, so the app sees its own name.
func (c *conn) writeRequestHead(w *writer, addr string) {
	h := &c.req
	w.Write(h.method)
	w.WriteByte(' ')
	w.Write(h.target)
	w.WriteString(" HTTP/1.1\r\n")
	if h.hosts == 0 {
		writeField(w, "Host", addr)
	}
	for i := range h.fields {
		if f := &h.fields[i]; f.kind == kindOther || f.kind == kindHost {
			writeFieldBytes(w, f.name, f.value)
		}
	}
	switch {
	case h.chunked:
		w.WriteString("Transfer-Encoding: chunked\r\n")
	case h.length >= 0:
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(w.AvailableBuffer(), h.length, 10))
		w.WriteString("\r\n")
	}
	if h.teTrailers {
		w.WriteString("Te: trailers\r\n")
	}
	c.writeForwarded(w)
	w.WriteString("X-Request-Id: ")
	w.Write(c.x.id)
	w.WriteString("\r\n\r\n")
}

// writeForwarded writes X-Forwarded-For (the client's list with the client's address appended),
// X-Forwarded-Proto and X-Forwarded-Host.
func (c *conn) writeForwarded(w *writer) {
	h := &c.req
	if c.ip != "" {
		w.WriteString("X-Forwarded-For: ")
		for i := range h.fields {
			if f := &h.fields[i]; f.kind == kindForwardedFor {
				w.Write(f.value)
				w.WriteString(", ")
			}
		}
		w.WriteString(c.ip)
		w.WriteString("\r\n")
	}
	if c.tls {
		w.WriteString("X-Forwarded-Proto: https\r\n")
	} else {
		w.WriteString("X-Forwarded-Proto: http\r\n")
	}
	if len(h.host) > 0 {
		w.WriteString("X-Forwarded-Host: ")
		w.Write(h.host)
		w.WriteString("\r\n")
	}
}

// writeResponseHead writes the head passed to the client: the backend's status and fields, less
// hop-by-hop ones, with the body's framing, whether the connection stays open, and the request id
// unless the app set one.
func (c *conn) writeResponseHead(chunked bool) {
	x, h, w := &c.x, &c.res, c.bw
	c.writeStatusLine()
	c.writeResponseFields()
	if h.length >= 0 {
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(w.AvailableBuffer(), h.length, 10))
		w.WriteString("\r\n")
	}
	if chunked {
		w.WriteString("Transfer-Encoding: chunked\r\n")
	}
	switch {
	case x.close:
		w.WriteString("Connection: close\r\n")
	case x.minor == 0:
		w.WriteString("Connection: keep-alive\r\n")
	}
	if !h.requestID {
		w.WriteString("X-Request-Id: ")
		w.Write(x.id)
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
}

// writeInterim writes a 1xx response.
func (c *conn) writeInterim() {
	c.writeStatusLine()
	c.writeResponseFields()
	c.bw.WriteString("\r\n")
}

func (c *conn) writeStatusLine() {
	w, h := c.bw.use(), &c.res
	if c.x.minor == 0 {
		w.WriteString("HTTP/1.0 ")
	} else {
		w.WriteString("HTTP/1.1 ")
	}
	w.Write(h.code)
	w.WriteByte(' ')
	w.Write(h.reason)
	w.WriteString("\r\n")
}

func (c *conn) writeResponseFields() {
	for i := range c.res.fields {
		switch f := &c.res.fields[i]; f.kind {
		case kindHop, kindConnection, kindTransferEncoding, kindTE, kindUpgrade, kindContentLength:
		default:
			writeFieldBytes(c.bw, f.name, f.value)
		}
	}
}

func writeField(w *writer, name, value string) {
	w.WriteString(name)
	w.WriteString(": ")
	w.WriteString(value)
	w.WriteString("\r\n")
}

func writeFieldBytes(w *writer, name, value []byte) {
	w.Write(name)
	w.WriteString(": ")
	w.Write(value)
	w.WriteString("\r\n")
}
