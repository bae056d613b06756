package h2

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// The windows this server gives clients: how much request body one stream, and the whole
// connection, may have sent that its handlers have not read yet. A handler that does not read
// holds at most streamWindow; the connection's window bounds what all of them hold together.
const (
	streamWindow = 256 << 10
	connWindow   = 1 << 20
	// initialWindow is HTTP/2's window before SETTINGS say otherwise (RFC 9113, 6.9.2).
	initialWindow = 65535
	// maxWindow is the largest a flow-control window may grow (RFC 9113, 6.9.1).
	maxWindow = 1<<31 - 1
	// maxReadFrame is the largest frame a client may send: HTTP/2's default, which the server's
	// SETTINGS keep (a frame's buffer is as large as its header says).
	maxReadFrame = 16 << 10
	// readBufferSize is the size of a connection's read buffer.
	readBufferSize = 4 << 10
)

var (
	errConnClosed = errors.New("http2: connection closed")
	errBadPreface = errors.New("http2: client did not send the HTTP/2 connection preface")
)

// conn is one client connection: its read loop (serve) is the only reader of the socket and the
// only one that opens streams; handlers write through w.
type conn struct {
	srv    *Server
	nc     net.Conn
	br     *bufio.Reader
	fr     *http2.Framer // reads only; w has the framer that writes
	block  *headerBlock  // decodes the header blocks fr reads
	w      *writer
	tls    *tls.ConnectionState
	remote string
	log    *slog.Logger
	names  map[string]string // lower-case request field name → canonical, read loop only

	mu           sync.Mutex
	streams      map[uint32]*stream // open: not yet ended on both sides, nor reset
	lastID       uint32             // the highest stream the client opened
	handlers     int                // handlers running, those of reset streams included
	sendWindow   int64              // what responses may still send on the connection
	peerWindow   int64              // the client's SETTINGS_INITIAL_WINDOW_SIZE
	peerMaxFrame uint32             // the client's SETTINGS_MAX_FRAME_SIZE
	recvWindow   int64              // what the client may still send on the connection
	unacked      int64              // received and consumed, not yet given back by WINDOW_UPDATE
	goingAway    bool               // GOAWAY is due or sent: no new streams
	sentGoAway   bool
	closed       bool // the read loop ended: every wait fails
	idleSince    time.Time
	idle         *time.Timer
	resets       []uint32 // streams this side reset lately (wasReset): twice as many as may be open
	nextReset    int
	ready        bool // the preface was exchanged: a GOAWAY may go out
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv: s, nc: nc, remote: nc.RemoteAddr().String(), log: s.logger(), names: map[string]string{},
		streams: map[uint32]*stream{}, sendWindow: initialWindow, peerWindow: initialWindow,
		peerMaxFrame: 16 << 10, recvWindow: connWindow, idleSince: time.Now(),
		resets: make([]uint32, 2*s.maxStreams()),
	}
	if tc, ok := nc.(*tls.Conn); ok {
		state := tc.ConnectionState()
		c.tls = &state
	}
	c.br = bufio.NewReaderSize(nc, readBufferSize)
	c.fr = http2.NewFramer(nil, c.br)
	c.block = newHeaderBlock(c.fr, s.maxHeaderList())
	c.fr.SetReuseFrames()
	c.fr.SetMaxReadFrameSize(maxReadFrame) // what SETTINGS leave as is: larger is FRAME_SIZE_ERROR
	c.w = newWriter(nc, s.writeTimeout(), c.broken)
	return c
}

// broken ends a connection whose socket no longer takes writes (the client stopped reading for
// WriteTimeout, or left): its streams are cut, so their handlers see their contexts end before
// their writes fail, and the socket is closed, which ends the read loop.
func (c *conn) broken() {
	for _, s := range c.open() {
		c.cut(s, errConnClosed, false)
	}
	c.nc.Close()
}

// open returns the streams open now.
func (c *conn) open() []*stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	streams := make([]*stream, 0, len(c.streams))
	for _, s := range c.streams {
		streams = append(streams, s)
	}
	return streams
}

// serve runs the connection's read loop until the client leaves or the connection fails.
func (c *conn) serve(ctx context.Context) {
	defer c.finish()
	if err := c.preface(); err != nil {
		c.log.Debug("http2 connection preface failed", "client", c.remote, "err", err)
		return
	}
	c.mu.Lock()
	c.idle = time.AfterFunc(c.srv.idleTimeout(), c.onIdle)
	c.ready = true
	due := c.goingAway
	c.mu.Unlock()
	if due {
		c.goAway()
	}
	for {
		f, err := c.fr.ReadFrame()
		if err == nil {
			err = c.process(ctx, f)
		}
		if err == nil {
			continue
		}
		var se http2.StreamError
		if errors.As(err, &se) {
			c.mu.Lock()
			if se.StreamID%2 == 1 && se.StreamID > c.lastID {
				c.lastID = se.StreamID // a stream refused as it opened is used up all the same
			}
			c.mu.Unlock()
			c.resetID(se.StreamID, se.Code, err)
			continue
		}
		var ce http2.ConnectionError
		switch {
		case errors.As(err, &ce):
			c.fail(http2.ErrCode(ce), err)
		case errors.Is(err, http2.ErrFrameTooLarge):
			c.fail(http2.ErrCodeFrameSize, err)
		}
		return
	}
}

// preface reads the client's connection preface and first SETTINGS within PrefaceTimeout, and
// sends the server's.
func (c *conn) preface() error {
	c.nc.SetReadDeadline(time.Now().Add(c.srv.prefaceTimeout()))
	buf := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c.br, buf); err != nil {
		return fmt.Errorf("reading the preface: %w", err)
	}
	if !bytes.Equal(buf, []byte(http2.ClientPreface)) {
		return errBadPreface
	}
	err := c.w.do(func(fr *http2.Framer) error {
		err := fr.WriteSettings(
			http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: c.srv.maxStreams()},
			http2.Setting{ID: http2.SettingInitialWindowSize, Val: streamWindow},
			http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: c.srv.maxHeaderList()},
		)
		if err != nil {
			return err
		}
		return fr.WriteWindowUpdate(0, connWindow-initialWindow)
	})
	if err != nil {
		return fmt.Errorf("writing SETTINGS: %w", err)
	}
	f, err := c.fr.ReadFrame()
	if err != nil {
		return fmt.Errorf("reading the first SETTINGS: %w", err)
	}
	sf, ok := f.(*http2.SettingsFrame)
	if !ok || sf.IsAck() {
		c.fail(http2.ErrCodeProtocol, nil)
		return fmt.Errorf("first frame was %v, not SETTINGS", f.Header().Type)
	}
	if err := c.onSettings(sf); err != nil {
		var ce http2.ConnectionError
		if errors.As(err, &ce) {
			c.fail(http2.ErrCode(ce), err)
		}
		return err
	}
	c.nc.SetReadDeadline(time.Time{})
	return nil
}

// finish ends the connection when the read loop does: every stream still open is cut, so its
// handler's reads and writes fail, and the socket is closed.
func (c *conn) finish() {
	c.mu.Lock()
	c.closed = true
	if c.idle != nil {
		c.idle.Stop()
	}
	c.mu.Unlock()
	for _, s := range c.open() {
		c.cut(s, errConnClosed, false)
	}
	c.w.close()
	c.nc.Close()
}

// fail ends the connection for a protocol error of the client's: GOAWAY with code, then close
// (the read loop returns after it).
func (c *conn) fail(code http2.ErrCode, err error) {
	c.mu.Lock()
	last := c.lastID
	c.goingAway, c.sentGoAway = true, true
	c.mu.Unlock()
	c.log.Debug("http2 connection error", "client", c.remote, "code", code, "err", err)
	c.w.do(func(fr *http2.Framer) error { return fr.WriteGoAway(last, code, nil) })
}

// goAway sends GOAWAY once, naming the last stream the client opened: streams up to it finish,
// later ones are refused, and the connection closes when none is left (linger).
func (c *conn) goAway() {
	c.mu.Lock()
	if !c.ready { // before the server's SETTINGS: serve sends it once the preface is done
		c.goingAway = true
		c.mu.Unlock()
		return
	}
	if c.sentGoAway || c.closed {
		c.mu.Unlock()
		return
	}
	c.goingAway, c.sentGoAway = true, true
	last, idle := c.lastID, len(c.streams) == 0 && c.handlers == 0
	c.mu.Unlock()
	c.w.do(func(fr *http2.Framer) error { return fr.WriteGoAway(last, http2.ErrCodeNo, nil) })
	if idle {
		c.linger()
	}
}

// linger lets the read loop read what the client still sends for DefaultLinger, then end.
func (c *conn) linger() { c.nc.SetReadDeadline(time.Now().Add(DefaultLinger)) }

// onIdle closes, with GOAWAY, a connection that has had no stream for IdleTimeout.
func (c *conn) onIdle() {
	c.mu.Lock()
	busy := len(c.streams) > 0 || c.handlers > 0
	left := c.srv.idleTimeout() - time.Since(c.idleSince)
	if c.closed {
		c.mu.Unlock()
		return
	}
	if busy || left > 0 {
		c.idle.Reset(max(left, c.srv.idleTimeout()/4))
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.goAway()
}
