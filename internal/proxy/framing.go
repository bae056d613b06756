package proxy

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"sync/atomic"
)

// net/http accepts a request with both Content-Length and Transfer-Encoding: chunked, drops the
// Content-Length and hands the handler no trace of it. Such a request is a smuggling attempt
// (RFC 9112 section 6.3), so the proxy refuses it, and to see it, it follows the framing of the
// byte stream each client connection reads: request line, headers, then a Content-Length or
// chunked body, exactly as net/http delimits them. It keeps a few bytes per line, never a copy of
// the stream. Where the stream stops making sense net/http fails the request and closes the
// connection itself; the check then gives up rather than guess.

// framingListener wraps accepted connections in framingConns, except HTTP/2 ones: net/http serves
// HTTP/2 only on a *tls.Conn, and HTTP/2 frames its messages itself.
type framingListener struct{ net.Listener }

// Accept implements [net.Listener].
func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if _, ok := c.(*tls.Conn); ok {
		return c, nil
	}
	fc := &framingConn{Conn: c}
	if hc, ok := c.(*handedConn); ok {
		fc.gen = hc.gen
	}
	fc.framing.firstBad.Store(-1)
	fc.framing.firstLoose.Store(-1)
	return fc, nil
}

// framingConn is a client connection whose reads are followed by a framing.
type framingConn struct {
	net.Conn
	framing framing     // fed by whichever goroutine reads; net/http reads one at a time
	off     atomic.Bool // set once the connection switched protocols
	served  int64       // requests passed to ServeHTTP, touched by the serving goroutine only
	gen     uint64      // Proxy.retired when the connection was accepted
}

// Read implements [net.Conn].
func (c *framingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.off.Load() {
		c.framing.feed(b[:n])
	}
	return n, err
}

// CloseWrite lets net/http half-close the connection, as it does for a bare TCP connection.
func (c *framingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// stopFraming ends the check: the connection now carries another protocol.
func (c *framingConn) stopFraming() { c.off.Store(true) }

// check counts r as the connection's next request and returns why it must be refused: its length
// was ambiguous (ErrAmbiguousLength), or its head used a form net/http accepts and the fast path
// refuses (a bare LF, obs-fold, white space before a colon, a request line or a field line over
// MaxRequestLineBytes or MaxFieldBytes), so both paths hold one standard.
func (c *framingConn) check(r *http.Request) error {
	seq := c.served
	c.served++
	// net/http framed a flagged HTTP/1.1 request as chunked; if it did not, the two disagree
	// about where requests start, and a refusal could hit an innocent one.
	if c.framing.firstBad.Load() == seq && (!r.ProtoAtLeast(1, 1) || len(r.TransferEncoding) > 0) {
		return ErrAmbiguousLength
	}
	if c.framing.firstLoose.Load() == seq {
		if err, _ := c.framing.loose.Load().(error); err != nil {
			return err
		}
	}
	return nil
}

// checkHTTP2 returns why an HTTP/2 request must be refused: its request line, written as HTTP/1.1,
// or one of its header fields would be over the fast path's limits. net/http bounds only the
// whole head, so one standard holds for each protocol.
func checkHTTP2(r *http.Request) error {
	if len(r.Method)+len(r.RequestURI)+len(" HTTP/1.1")+1 > MaxRequestLineBytes {
		return errLineTooLong
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			if len(k)+len(": ")+len(v) > MaxFieldBytes {
				return errHeadTooLarge
			}
		}
	}
	return nil
}

type framingKey struct{}

// connOf returns the framingConn r arrived on, or nil under another server.
func connOf(r *http.Request) *framingConn {
	fc, _ := r.Context().Value(framingKey{}).(*framingConn)
	return fc
}

// Framing states.
const (
	stRequestLine = iota // before or in a request line; blank lines before it are skipped
	stHeaders
	stBody      // skipping a Content-Length body
	stChunkSize // in a chunk-size line
	stChunkData // skipping chunk data and the CRLF after it
	stTrailers
	stLost // gave up
)

const lineHead = 64 // bytes kept from the start of a line: enough for any header name we match

// framing follows HTTP/1.x request framing through a byte stream fed in arbitrary pieces.
type framing struct {
	state   int
	head    [lineHead]byte // start of the current line
	headLen int
	tail    [16]byte // end of the current line, right-aligned
	lineLen int

	http10, hasCL, hasTE bool
	length               int64 // Content-Length
	left                 int64 // bytes to skip in stBody and stChunkData

	seq      int64        // header blocks completed
	firstBad atomic.Int64 // seq of the first request with both lengths, -1 if none
	// firstLoose is the seq of the first request whose head the fast path would refuse (-1 if
	// none), and loose the error it would refuse it with.
	firstLoose atomic.Int64
	loose      atomic.Value
}

// feed follows b, the next bytes of the stream.
func (f *framing) feed(b []byte) {
	for len(b) > 0 && f.state != stLost {
		if f.state == stBody || f.state == stChunkData {
			n := min(int64(len(b)), f.left)
			b, f.left = b[n:], f.left-n
			switch {
			case f.left > 0:
			case f.state == stBody:
				f.state = stRequestLine
			default:
				f.state = stChunkSize
			}
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			f.appendLine(b)
			return
		}
		f.appendLine(b[:i])
		b = b[i+1:]
		f.endLine()
	}
}

func (f *framing) appendLine(seg []byte) {
	f.headLen += copy(f.head[f.headLen:], seg)
	f.lineLen += len(seg)
	if len(seg) >= len(f.tail) {
		copy(f.tail[:], seg[len(seg)-len(f.tail):])
	} else {
		copy(f.tail[:], f.tail[len(seg):])
		copy(f.tail[len(f.tail)-len(seg):], seg)
	}
}

// endLine handles the line just ended by '\n'.
func (f *framing) endLine() {
	line := f.head[:f.headLen]
	tail := f.tail[len(f.tail)-min(f.lineLen, len(f.tail)):]
	if n := len(tail); n > 0 && tail[n-1] == '\r' {
		tail = tail[:n-1]
		if f.lineLen == f.headLen {
			line = line[:len(line)-1]
		}
	}
	blank := len(tail) == 0
	truncated := f.lineLen > f.headLen
	bareLF := f.lineLen == 0 || f.tail[len(f.tail)-1] != '\r'
	if bareLF && (f.state == stHeaders || f.state == stRequestLine && !blank) {
		f.flagLoose(errBareLF)
	}
	length := f.lineLen // without its CR, as the fast path measures lines
	if !bareLF {
		length--
	}
	switch f.state {
	case stRequestLine:
		if length > MaxRequestLineBytes {
			f.flagLoose(errLineTooLong) // 414, as on the fast path; net/http's bound is looser
		}
		if !blank {
			f.http10 = bytes.HasSuffix(tail, []byte("HTTP/1.0"))
			f.hasCL, f.hasTE, f.length = false, false, 0
			f.state = stHeaders
		}
	case stHeaders:
		if length > MaxFieldBytes {
			f.flagLoose(errHeadTooLarge) // 431, as on the fast path
		}
		f.header(line, blank, truncated)
	case stChunkSize:
		f.chunkSize(line)
	case stTrailers:
		if blank {
			f.state = stRequestLine
		}
	}
	f.headLen, f.lineLen = 0, 0
}

// flagLoose notes that the request being read has a head the fast path refuses with err.
func (f *framing) flagLoose(err error) {
	if f.firstLoose.Load() < 0 {
		f.loose.Store(err)
		f.firstLoose.Store(f.seq)
	}
}

func (f *framing) header(line []byte, blank, truncated bool) {
	if !blank && len(line) > 0 {
		if line[0] == ' ' || line[0] == '\t' {
			f.flagLoose(errField) // obs-fold
		} else if colon := bytes.IndexByte(line, ':'); colon > 0 && (line[colon-1] == ' ' || line[colon-1] == '\t') {
			f.flagLoose(errField) // white space before the colon
		}
	}
	switch {
	case blank:
		f.endHeaders()
	case hasPrefixFold(line, "content-length:"):
		n, ok := parseLength(line[len("content-length:"):])
		if truncated || !ok {
			f.state = stLost // net/http rejects it too
			return
		}
		if !f.hasCL {
			f.hasCL, f.length = true, n
		}
	case hasPrefixFold(line, "transfer-encoding:"):
		f.hasTE = true
	}
}

// endHeaders completes a request's header block and picks how its body is delimited, as net/http
// does: HTTP/1.0 ignores Transfer-Encoding, HTTP/1.1 lets it override Content-Length.
func (f *framing) endHeaders() {
	if f.hasCL && f.hasTE && f.firstBad.Load() < 0 {
		f.firstBad.Store(f.seq)
	}
	f.seq++
	switch {
	case f.hasTE && !f.http10:
		f.state = stChunkSize
	case f.length > 0:
		f.state, f.left = stBody, f.length
	default:
		f.state = stRequestLine
	}
}

func (f *framing) chunkSize(line []byte) {
	var size int64
	digits := 0
	for _, c := range line {
		v := unhex(c)
		if v < 0 {
			break
		}
		size = size<<4 | int64(v)
		digits++
	}
	switch {
	case digits == 0 || digits > 15:
		f.state = stLost
	case size == 0:
		f.state = stTrailers
	default:
		f.state, f.left = stChunkData, size+2
	}
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parseLength parses a Content-Length value with optional surrounding blanks.
func parseLength(v []byte) (int64, bool) {
	v = bytes.Trim(v, " \t")
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}
