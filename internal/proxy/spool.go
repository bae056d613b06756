package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// spoolBody reads the request body in full before the request goes to the app (see
// [Buffering.Requests]), so that a client that uploads slowly holds no app worker meanwhile. A
// body longer than MaxBody by its Content-Length is refused before any of it is read; a chunked
// one once it grows past it. Each read waits up to BodyReadTimeout, as when the body streams.
func (c *conn) spoolBody() error {
	x, b := &c.x, c.x.buffer
	if !c.req.chunked {
		if c.req.length > b.MaxBody {
			return ErrBodyTooLarge
		}
		if int64(c.br.len()) >= c.req.length {
			return nil // here in full already: sendBody passes it on with the head
		}
	}
	x.spool = newSpool(b, c.p.bodyDir())
	// The request head's bytes stay in c.br's buffer until the head is sent, so the body is read
	// through a reader of its own.
	src := reader{src: c.br.src}
	src.use()
	src.unread(c.br.buffered())
	c.br.discard(c.br.len())
	w := &writer{dst: x.spool, buf: make([]byte, 0, writeBufferSize)}
	p := pipe{dst: w, src: &src, client: true, fill: func() error {
		c.nc.SetReadDeadline(time.Now().Add(c.p.opts.BodyReadTimeout))
		return src.fill(2 * maxLineBytes)
	}}
	var err error
	if c.req.chunked {
		err = p.chunked(true)
	} else {
		err = p.copyN(c.req.length)
	}
	if err == nil {
		err = w.Flush()
	}
	c.setReadBy(time.Time{})
	if n := src.len(); n > 0 {
		x.rest = append([]byte(nil), src.buffered()...) // the next request, pipelined
		src.discard(n)
	}
	src.release()
	if err != nil {
		// Left pending, so the connection closes after the answer (the rest of the body would be
		// read as the next request) and fail keeps err: the app has not seen the request.
		x.body = bodyPending
		if errors.Is(err, ErrBodyTooLarge) || errors.Is(err, ErrMalformedRequest) || p.dstErr != nil {
			return err
		}
		return fmt.Errorf("%w: %w", ErrClientGone, err)
	}
	x.body = bodyNone
	// ResponseHeaderTimeout counts from here: the app has not seen the request yet.
	c.bodyEndAt.Store(time.Now().UnixNano())
	return nil
}

// sendSpool writes the spooled body after the request head. The app must take it within
// ResponseHeaderTimeout, so that one that stops reading does not hold the request for ever. A
// write that fails does not fail the request: the app may have answered before it stopped reading
// (an early 401, its own 413), and that answer is read as when the body streams; the connection
// to the app is not used again.
func (c *conn) sendSpool(up *upConn) error {
	up.nc.SetWriteDeadline(time.Now().Add(c.p.opts.ResponseHeaderTimeout))
	_, err := io.Copy(up.bw, c.x.spool.reader())
	if err == nil {
		err = up.bw.Flush()
	}
	up.nc.SetWriteDeadline(time.Time{})
	// ResponseHeaderTimeout counts from here, when the app has had the body (see waitUp).
	c.bodyEndAt.Store(time.Now().UnixNano())
	if err != nil {
		c.x.body, c.x.bodyErr, c.x.bodyToUp = bodyFailed, err, true
	}
	return nil
}

// dropSpool lets the spooled body go, and puts what the client sent after it back in front of
// anything read since.
func (c *conn) dropSpool() {
	x := &c.x
	if x.spool == nil {
		return
	}
	x.spool.close()
	x.spool = nil
	if x.rest != nil {
		next := append(x.rest, c.br.buffered()...)
		c.br.discard(c.br.len())
		c.br.unread(next)
		x.rest = nil
	}
}

// bodyReadError is what a failed read of a request body on the general path means: a body
// net/http could not parse is the client's malformed request (400); anything else (a stall past
// BodyReadTimeout, a reset, a body cut short) is the client gone. Neither is the app's fault, so
// neither gets 502.
func bodyReadError(err error) error {
	if errors.Is(err, ErrBodyTooLarge) {
		return err
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("%w: %w", ErrBodyTooLarge, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "chunk") || strings.Contains(msg, "malformed") || strings.Contains(msg, "invalid byte") {
		return fmt.Errorf("%w: %w", ErrMalformedRequest, err)
	}
	return fmt.Errorf("%w: %w", ErrClientGone, err)
}

// bodyDir is where spooled bodies go past their memory part.
func (p *Proxy) bodyDir() string {
	if p.opts.BodyDir != "" {
		return p.opts.BodyDir
	}
	return os.TempDir()
}

// spoolBody is spoolBody for the general path: it reads r's body in full and gives r the copy,
// with its length known. Reading it answers Expect: 100-continue; a Content-Length over MaxBody is
// refused before that.
func (f *flight) spoolBody(b *Buffering) (*spool, error) {
	r := f.in
	if r.ContentLength > b.MaxBody {
		return nil, ErrBodyTooLarge
	}
	sp := newSpool(b, f.proxy.bodyDir())
	rc := http.NewResponseController(f.w)
	buf := make([]byte, 32<<10)
	for {
		_ = rc.SetReadDeadline(time.Now().Add(f.proxy.opts.BodyReadTimeout))
		n, err := r.Body.Read(buf)
		if n > 0 {
			if _, werr := sp.Write(buf[:n]); werr != nil {
				sp.close()
				return nil, werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			sp.close()
			return nil, bodyReadError(err)
		}
	}
	_ = rc.SetReadDeadline(time.Time{})
	r.Body.Close()
	r.Body = io.NopCloser(sp.reader())
	r.ContentLength = sp.size
	r.TransferEncoding = nil
	r.Header.Del("Expect") // the body is here: the app need not be asked
	return sp, nil
}
