package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// Bounds of the closed-loop driver.
const (
	// DefaultDialTimeout bounds connecting to a target.
	DefaultDialTimeout = 5 * time.Second
	// DefaultRequestTimeout bounds each request of the driver; a target that takes longer is
	// counted as failed and its connection is dropped.
	DefaultRequestTimeout = 10 * time.Second
	// MaxConnections is the most connections the driver opens at once.
	MaxConnections = 10_000

	readBufferSize = 16 << 10
)

// The driver is a lean HTTP/1.1 client rather than loadgen's net/http one. On a 2-core machine the
// load generator shares the CPU with the backend and the proxy, so every microsecond it spends per
// request is taken from them and squeezes every ratio towards 1. Measured here against the sample
// app alone, 50 connections, 5 s each: wrk -t2 30.8k req/s, this driver 26k-29k, loadgen in
// closed loop 17k-20k, so loadgen would have capped the backend's figure at about 0.6 of wrk's.
// The driver writes one prepared request per round trip, parses only what framing needs (status,
// Content-Length, Transfer-Encoding, Connection) and allocates nothing per request.

// round is what one closed-loop round against one target measured.
type round struct {
	Requests int64         // answered with a 2xx status
	Errors   int64         // transport errors and other statuses
	Elapsed  time.Duration // from the first request to the end of the last one
	FirstErr error         // the first error seen, to say why a target failed
	hist     report.Histogram
}

// merge adds o's figures to r.
func (r *round) merge(o *round) {
	r.Requests += o.Requests
	r.Errors += o.Errors
	if r.FirstErr == nil {
		r.FirstErr = o.FirstErr
	}
	r.hist.Merge(&o.hist)
}

// load is how the driver drives one target.
type load struct {
	addr, path string
	// hosts are the Host headers to send, in turn, each connection starting at another; nil sends
	// addr's.
	hosts []string
	tls   *tls.Config // nil for plain HTTP
	http2 bool        // HTTP/2 over tls, with net/http's client (see driveH2)
	fresh bool        // a new connection per request, so each pays a whole TLS handshake
}

// hostHeaders is the Host headers of the load's requests, at least one.
func (l load) hostHeaders() []string {
	if len(l.hosts) == 0 {
		return []string{l.addr}
	}
	return l.hosts
}

// drive sends GET requests for path to addr on conns keep-alive connections for d, each
// connection sending its next request as soon as the previous answer has been read, and returns
// the figures. It never runs past d by more than DefaultRequestTimeout.
func drive(ctx context.Context, addr, path string, conns int, d time.Duration) (*round, error) {
	return driveLoad(ctx, load{addr: addr, path: path}, conns, d)
}

// driveLoad is drive for any load: over TLS, HTTP/2, or a connection per request.
func driveLoad(ctx context.Context, l load, conns int, d time.Duration) (*round, error) {
	if conns < 1 || conns > MaxConnections {
		return nil, fmt.Errorf("connections %d is out of bounds; give 1 to %d", conns, MaxConnections)
	}
	if d <= 0 {
		return nil, fmt.Errorf("duration %v must be positive", d)
	}
	if l.http2 && !l.fresh {
		return driveH2(ctx, l, conns, d)
	}
	conn := ""
	if l.fresh {
		conn = "Connection: close\r\n"
	}
	hosts := l.hostHeaders()
	reqs := make([][]byte, len(hosts))
	for i, h := range hosts {
		reqs[i] = []byte("GET " + l.path + " HTTP/1.1\r\nHost: " + h + "\r\nUser-Agent: cutover-bench\r\n" + conn + "\r\n")
	}
	start := time.Now()
	deadline := start.Add(d)
	rounds := make([]round, conns)
	var wg sync.WaitGroup
	for i := range rounds {
		wg.Go(func() { loop(ctx, l, reqs, i, deadline, &rounds[i]) })
	}
	wg.Wait()
	total := &round{Elapsed: time.Since(start)}
	for i := range rounds {
		total.merge(&rounds[i])
	}
	return total, ctx.Err()
}

// loop is one connection of drive: request after request until deadline, taking reqs in turn from
// next on. A connection the target closes is opened again; one that cannot be opened ends the
// loop, since retrying at once would only spin.
func loop(ctx context.Context, l load, reqs [][]byte, next int, deadline time.Time, r *round) {
	var c *clientConn
	defer func() {
		if c != nil {
			c.conn.Close()
		}
	}()
	fail := func(err error) {
		r.Errors++
		if r.FirstErr == nil {
			r.FirstErr = err
		}
	}
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if c == nil {
			var err error
			if c, err = dial(ctx, l, deadline.Add(DefaultRequestTimeout)); err != nil {
				fail(err)
				return
			}
		}
		req := reqs[next%len(reqs)]
		next++
		t0 := time.Now()
		status, keep, err := c.roundTrip(req)
		switch {
		case err != nil:
			fail(err)
		case status < 200 || status > 299:
			fail(fmt.Errorf("status %d", status))
		default:
			r.Requests++
			r.hist.Record(time.Since(t0))
		}
		if err != nil || !keep {
			c.conn.Close()
			c = nil
		}
	}
}

// clientConn is one keep-alive connection of the driver.
type clientConn struct {
	conn net.Conn
	br   *bufio.Reader
}

// dial connects to the load's target, and does the TLS handshake if it speaks TLS; every read
// and write on the connection must end by until.
func dial(ctx context.Context, l load, until time.Time) (*clientConn, error) {
	d := net.Dialer{Timeout: DefaultDialTimeout}
	var conn net.Conn
	var err error
	if l.tls != nil {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: l.tls}).DialContext(ctx, "tcp", l.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", l.addr)
	}
	if err != nil {
		return nil, err
	}
	// One deadline for the whole round costs nothing per request and still bounds a target that
	// stops answering.
	if err := conn.SetDeadline(until); err != nil {
		conn.Close()
		return nil, err
	}
	return &clientConn{conn: conn, br: bufio.NewReaderSize(conn, readBufferSize)}, nil
}

// roundTrip writes req and reads the whole response, reporting its status and whether the
// connection may carry another request.
func (c *clientConn) roundTrip(req []byte) (status int, keepAlive bool, err error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, false, err
	}
	return readResponse(c.br)
}

// errMalformed is a response the driver cannot frame.
var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one response from br, skipping 1xx interim responses, and discards its body.
func readResponse(br *bufio.Reader) (status int, keepAlive bool, err error) {
	for {
		h, err := readHead(br)
		if err != nil {
			return 0, false, err
		}
		if h.status >= 100 && h.status < 200 {
			continue
		}
		switch {
		case h.status == 204 || h.status == 304:
		case h.chunked:
			err = discardChunked(br)
		case h.length >= 0:
			_, err = br.Discard(int(h.length))
		default:
			// No length: the body runs to the end of the connection.
			_, err = io.Copy(io.Discard, br)
			h.keepAlive = false
		}
		return h.status, h.keepAlive && err == nil, err
	}
}

// head is what the driver needs of a response's status line and headers.
type head struct {
	status    int
	length    int64 // -1 when there is no Content-Length
	chunked   bool
	keepAlive bool
}

func readHead(br *bufio.Reader) (head, error) {
	h := head{length: -1}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return h, err
	}
	// "HTTP/1.1 200 OK": version, space, three digits.
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return h, fmt.Errorf("%w: status line %q", errMalformed, bytes.TrimSpace(line))
	}
	h.keepAlive = line[7] == '1'
	n, ok := parseUint(line[9:12])
	if !ok {
		return h, fmt.Errorf("%w: status line %q", errMalformed, bytes.TrimSpace(line))
	}
	h.status = int(n)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return h, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return h, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return h, fmt.Errorf("%w: header line %q", errMalformed, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseUint(value)
			if !ok {
				return h, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			h.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			h.chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				h.keepAlive = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				h.keepAlive = true
			}
		}
	}
}

// discardChunked reads a chunked body and its trailers.
func discardChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, ok := parseHex(bytes.TrimSpace(size))
		if !ok {
			return fmt.Errorf("%w: chunk size %q", errMalformed, size)
		}
		if n == 0 {
			break
		}
		if _, err := br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
}

// parseUint parses decimal digits without allocating; it refuses empty input and values of more
// than 15 digits.
func parseUint(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseHex parses a chunk size in hexadecimal without allocating.
func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(v)
	}
	return n, true
}
