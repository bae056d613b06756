package h2

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

const (
	// DefaultMaxStreams bounds the streams a client may have open at once on one connection, as
	// nginx's http2_max_concurrent_streams (128) does.
	DefaultMaxStreams = 128
	// DefaultMaxHeaderListSize bounds a request's header fields, decoded, as SETTINGS announce it.
	DefaultMaxHeaderListSize = 64 << 10
	// DefaultIdleTimeout closes a connection with no stream open for this long, with GOAWAY.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultPrefaceTimeout bounds the client's connection preface and first SETTINGS.
	DefaultPrefaceTimeout = 10 * time.Second
	// DefaultWriteTimeout bounds each write to the socket and each wait of a response for the
	// client's flow-control window: a client that stops reading loses the stream (or, when the
	// socket itself stops taking data, the connection) after it.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultLinger is how long a connection that sent GOAWAY still reads, after its last stream
	// ended, before it closes: what the client sent meanwhile is read and refused, not answered by
	// a TCP reset that could destroy the GOAWAY before the client reads it.
	DefaultLinger = time.Second
)

// Server serves HTTP/2 on connections that already agreed on it (ALPN "h2"), each stream a request
// to Handler. The zero value of each limit means its default.
type Server struct {
	Handler              http.Handler  // serves each stream's request
	MaxConcurrentStreams uint32        // streams a client may have open at once (DefaultMaxStreams)
	MaxHeaderListSize    uint32        // a request's fields, decoded (DefaultMaxHeaderListSize)
	IdleTimeout          time.Duration // a connection with no stream this long is closed
	PrefaceTimeout       time.Duration // bounds the client's preface and first SETTINGS
	WriteTimeout         time.Duration // bounds each socket write and each wait for a window
	Logger               *slog.Logger  // handler panics and connection errors (debug)

	mu       sync.Mutex
	conns    map[*conn]struct{}
	shutdown bool
}

// ServeConn serves nc until the client or the server ends the connection, then closes it. Each
// request's context derives from ctx, with values only: the connection does not end with ctx.
// Request.TLS is set when nc is a *tls.Conn.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) {
	c := newConn(s, nc)
	s.track(c, true)
	defer s.track(c, false)
	c.serve(context.WithoutCancel(ctx))
}

// Shutdown sends every connection GOAWAY, lets the streams in flight finish and closes each
// connection once it has none, as net/http's Shutdown does. Connections served from now on get
// GOAWAY at once. It returns when none is left, or ctx's error, having closed what was left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	conns := s.list()
	s.mu.Unlock()
	for _, c := range conns {
		c.goAway()
	}
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		if s.Open() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			n := s.Close()
			return fmt.Errorf("%d HTTP/2 connection(s) still open: %w", n, ctx.Err())
		case <-poll.C:
		}
	}
}

// Close closes every connection at once and returns how many there were.
func (s *Server) Close() int {
	s.mu.Lock()
	conns := s.list()
	s.mu.Unlock()
	for _, c := range conns {
		c.nc.Close()
	}
	return len(conns)
}

// Open returns how many connections are being served.
func (s *Server) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Server) list() []*conn {
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}

func (s *Server) track(c *conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, c)
		return
	}
	if s.conns == nil {
		s.conns = map[*conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	if s.shutdown {
		c.goingAway = true // told at once, after the preface (conn.serve)
	}
}

func (s *Server) maxStreams() uint32 { return orDefault(s.MaxConcurrentStreams, DefaultMaxStreams) }

func (s *Server) maxHeaderList() uint32 {
	return orDefault(s.MaxHeaderListSize, DefaultMaxHeaderListSize)
}

func (s *Server) idleTimeout() time.Duration { return orDefault(s.IdleTimeout, DefaultIdleTimeout) }

func (s *Server) prefaceTimeout() time.Duration {
	return orDefault(s.PrefaceTimeout, DefaultPrefaceTimeout)
}

func (s *Server) writeTimeout() time.Duration { return orDefault(s.WriteTimeout, DefaultWriteTimeout) }

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
