package h2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
)

var (
	errStreamReset  = errors.New("http2: stream reset by the client")
	errHandlerPanic = errors.New("http2: handler panicked")
	errWindowWait   = errors.New("http2: client opened no flow-control window in time")
	errBodyClosed   = errors.New("http2: request body closed")
	errStreamCut    = errors.New("http2: stream was reset")
)

// stream is one request and its response. Its fields below cond are guarded by the connection's
// mu; cond wakes the handler waiting for body bytes or for send window.
type stream struct {
	c      *conn
	id     uint32
	cancel context.CancelCauseFunc
	cond   sync.Cond

	send         int64 // what the response may still send on this stream
	recvWindow   int64 // what the client may still send
	unacked      int64 // consumed, not yet given back
	buf          []byte
	off          int   // buf[off:] is unread
	bodyErr      error // io.EOF once the request ended; the cause once cut
	bodyClosed   bool  // the handler closed the body: what comes is dropped
	declared     int64 // the request's Content-Length, -1 if none
	received     int64
	remoteClosed bool            // the client ended its side
	localClosed  bool            // the response ended
	err          error           // set when the stream was cut: writes fail with it
	trailer      http.Header     // the request's Trailer: the names it announced
	trailerIn    http.Header     // the trailers the client sent, until the body's end (Read)
	announced    map[string]bool // the names in trailer, the read loop's own copy
	sendClosed   atomic.Bool     // the stream was cut: no frame of it may go out any more
	finalSent    atomic.Bool     // the final response's HEADERS went out: no 100 Continue after
	expect       bool            // the client waits for 100 Continue before it sends the body
	rtimer       *time.Timer
	wtimer       *time.Timer

	// Made with the stream, to spare allocations per request.
	rw     responseWriter
	req    http.Request // the request before its context is set: the handler gets a copy
	rawBuf [512]byte    // rw.raw's first backing array
}

func (c *conn) newStream(id uint32, ended bool) *stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &stream{c: c, id: id, send: c.peerWindow, recvWindow: streamWindow, declared: -1, remoteClosed: ended}
	s.cond.L = &c.mu
	if ended {
		s.bodyErr = io.EOF
	}
	return s
}

// run serves the stream's request with the handler, then ends the response.
func (c *conn) run(s *stream, req *http.Request) {
	rw := &s.rw
	*rw = responseWriter{s: s, head: req.Method == http.MethodHead, header: http.Header{}, rawLength: -1, raw: s.rawBuf[:0]}
	defer func() {
		v := recover()
		if v != nil && v != http.ErrAbortHandler {
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			c.log.Error("http2 handler panicked", "client", c.remote, "panic", v, "stack", string(buf))
		}
		if v != nil {
			c.cut(s, errHandlerPanic, true)
			rw.release()
		} else {
			rw.finish()
		}
		c.ended(s)
	}()
	c.srv.Handler.ServeHTTP(rw, req)
}

// ended is the handler's return: the stream's context ends, and a request the client is still
// sending is cut with NO_ERROR (RFC 9113, 8.1), since the response is complete.
func (c *conn) ended(s *stream) {
	s.cancel(context.Canceled)
	c.mu.Lock()
	c.handlers--
	if s.rtimer != nil {
		s.rtimer.Stop()
	}
	if s.wtimer != nil {
		s.wtimer.Stop()
	}
	// The body the handler left unread goes back to the connection's window, and what the client
	// still sends of it is dropped, as when the handler closes it.
	s.closeBody()
	update := c.windowUpdates(nil)
	sending := !s.remoteClosed && s.err == nil
	c.mu.Unlock()
	c.sendUpdates(update)
	if sending {
		c.cut(s, errBodyClosed, true) // RST_STREAM NO_ERROR, unless the request ended meanwhile
	}
	c.mu.Lock()
	idle := c.goingAway && len(c.streams) == 0 && c.handlers == 0
	c.mu.Unlock()
	if idle {
		c.linger()
	}
}

// cut ends stream s with cause: its body reads and response writes fail, its context ends, the
// body it held goes back to the connection's window, and, when reset is set, the client is told
// with RST_STREAM (NO_ERROR for a request the response did not need the rest of, CANCEL for the
// client's own reset, INTERNAL_ERROR else). It does nothing to a stream already cut or ended,
// and reports whether it cut s.
func (c *conn) cut(s *stream, cause error, reset bool) bool {
	c.mu.Lock()
	if s.err != nil || c.streams[s.id] != s {
		c.mu.Unlock()
		return false
	}
	s.err = cause
	s.sendClosed.Store(true) // before any waiter wakes: what the handler writes next is dropped
	if reset {
		c.noteReset(s.id) // what the client sends on it before it reads the RST is ignored
	}
	s.cancel(cause) // before any waiter wakes: the handler sees its context ended with the error
	if s.bodyErr == nil {
		s.bodyErr = cause
	}
	c.unacked += int64(len(s.buf) - s.off)
	s.buf, s.off = nil, 0
	c.remove(s)
	update := c.windowUpdates(nil)
	s.cond.Broadcast()
	c.mu.Unlock()
	c.sendUpdates(update)
	if reset {
		code := http2.ErrCodeInternal
		switch {
		case errors.Is(cause, errStreamReset):
			code = http2.ErrCodeCancel
		case errors.Is(cause, errBodyClosed):
			code = http2.ErrCodeNo
		}
		c.w.do(func(fr *http2.Framer) error { return fr.WriteRSTStream(s.id, code) })
	}
	return true
}

// resetID cuts stream id, open or not, for a stream error of the client's, and tells it.
func (c *conn) resetID(id uint32, code http2.ErrCode, err error) {
	c.mu.Lock()
	s := c.streams[id]
	c.noteReset(id) // what the client sent on it before it reads the RST is ignored
	c.mu.Unlock()
	if s != nil {
		c.cut(s, fmt.Errorf("http2: stream error: %w", err), false)
	}
	c.w.do(func(fr *http2.Framer) error { return fr.WriteRSTStream(id, code) })
}

// remove takes s out of the open streams, once ended on both sides or cut. c.mu is held.
func (c *conn) remove(s *stream) {
	delete(c.streams, s.id)
	if len(c.streams) == 0 {
		c.idleSince = time.Now()
	}
}

// receive takes body bytes data, and pad bytes of padding, into the stream. c.mu is held.
func (s *stream) receive(data []byte, pad int64) error {
	s.received += int64(len(data))
	if s.declared >= 0 && s.received > s.declared {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeProtocol, Cause: errors.New("body longer than its Content-Length")}
	}
	given := pad
	if s.bodyClosed {
		given += int64(len(data))
	} else {
		if s.off == len(s.buf) {
			s.buf, s.off = s.buf[:0], 0
		}
		s.buf = append(s.buf, data...)
		s.cond.Broadcast()
	}
	s.unacked += given
	s.c.unacked += given
	return nil
}

// endRemote marks the request ended by the client. c.mu is held.
func (s *stream) endRemote() error {
	s.remoteClosed = true
	if s.declared >= 0 && s.received != s.declared {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeProtocol, Cause: errors.New("body shorter than its Content-Length")}
	}
	if s.bodyErr == nil {
		s.bodyErr = io.EOF
	}
	s.cond.Broadcast()
	if s.localClosed {
		s.c.remove(s)
	}
	return nil
}

// update is a WINDOW_UPDATE due: on the connection, and on stream id if not zero.
type update struct {
	conn, stream uint32
	id           uint32
}

// windowUpdates gives back, once half a window is consumed, what the client may send again on the
// connection and on s (when not nil). c.mu is held; sendUpdates sends them after.
func (c *conn) windowUpdates(s *stream) update {
	var u update
	if c.unacked >= connWindow/2 {
		u.conn = uint32(c.unacked)
		c.recvWindow += c.unacked
		c.unacked = 0
	}
	if s != nil && !s.remoteClosed && s.err == nil && s.unacked >= streamWindow/2 {
		u.id, u.stream = s.id, uint32(s.unacked)
		s.recvWindow += s.unacked
		s.unacked = 0
	}
	return u
}

func (c *conn) sendUpdates(u update) {
	if u.conn == 0 && u.stream == 0 {
		return
	}
	c.w.do(func(fr *http2.Framer) error {
		if u.conn > 0 {
			if err := fr.WriteWindowUpdate(0, u.conn); err != nil {
				return err
			}
		}
		if u.stream > 0 {
			return fr.WriteWindowUpdate(u.id, u.stream)
		}
		return nil
	})
}

// reserve waits until the response may send some of n bytes, and takes up to n of the windows
// (and at most a frame). A client that opens no window for WriteTimeout loses the stream. With
// maybeNone, it returns 0 at once rather than wait.
func (s *stream) reserve(n int, maybeNone bool) (int, error) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	var timer *time.Timer
	for {
		if s.err != nil {
			return 0, s.err
		}
		if k := min(int64(n), s.send, c.sendWindow, int64(c.peerMaxFrame)); k > 0 {
			s.send -= k
			c.sendWindow -= k
			return int(k), nil
		}
		if maybeNone {
			return 0, nil
		}
		if timer == nil {
			timer = time.AfterFunc(c.srv.writeTimeout(), func() { c.cut(s, errWindowWait, true) })
			defer timer.Stop()
		}
		s.cond.Wait()
	}
}

// unreserve gives back k bytes reserve took and that never went out.
func (s *stream) unreserve(k int) {
	if k == 0 {
		return
	}
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.send += int64(k)
	c.sendWindow += int64(k)
	for _, st := range c.streams {
		st.cond.Broadcast()
	}
}

// endLocal marks the response ended; a stream ended on both sides is closed.
func (s *stream) endLocal() {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.localClosed = true
	if s.remoteClosed && c.streams[s.id] == s {
		c.remove(s)
	}
}

// setReadDeadline makes the body's reads fail with os.ErrDeadlineExceeded from t on.
func (s *stream) setReadDeadline(t time.Time) {
	s.setDeadline(&s.rtimer, t, func() {
		if s.bodyErr == nil { // a body read to its end stays read
			s.bodyErr = fmt.Errorf("%w", os.ErrDeadlineExceeded)
		}
		s.cond.Broadcast()
	})
}

// setWriteDeadline cuts the stream (RST_STREAM) from t on, as net/http's HTTP/2 server does.
func (s *stream) setWriteDeadline(t time.Time) {
	s.setDeadline(&s.wtimer, t, nil)
}

// setDeadline arms *timer for t: at t, fire runs with c.mu held (or, when nil, the stream is cut).
func (s *stream) setDeadline(timer **time.Timer, t time.Time, fire func()) {
	c := s.c
	expire := func() {
		if fire == nil {
			c.cut(s, fmt.Errorf("%w", os.ErrDeadlineExceeded), true)
			return
		}
		c.mu.Lock()
		fire()
		c.mu.Unlock()
	}
	c.mu.Lock()
	if *timer != nil {
		(*timer).Stop()
		*timer = nil
	}
	if t.IsZero() {
		c.mu.Unlock()
		return
	}
	d := time.Until(t)
	if d > 0 {
		*timer = time.AfterFunc(d, expire)
	}
	c.mu.Unlock()
	if d <= 0 {
		expire()
	}
}
