package proxy

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// DefaultTLSHandshakeTimeout bounds a client's TLS handshake on [Proxy.ServeTLS], as net/http's
// TLSHandshakeTimeout bounds its own: a client that opens a connection and says nothing holds it no
// longer than this.
const DefaultTLSHandshakeTimeout = 10 * time.Second

// The ALPN protocols ServeTLS acts on.
const (
	alpnH2      = "h2"
	alpnHTTP1   = "http/1.1"
	alpnACMETLS = "acme-tls/1" // RFC 8737: the handshake is the whole answer to the CA
)

// ServeTLS is [Proxy.Serve] for TLS: it accepts client connections on ln and does each one's TLS
// handshake with cfg in the connection's own goroutine, bounded by Options.TLSHandshakeTimeout.
// Then, by the protocol the client and cfg agreed on (ALPN):
//
//   - "h2": package h2's server serves HTTP/2 on it, in the connection's goroutine; every stream
//     is a request to [Proxy.ServeHTTP], routed and bound to a pool as any other.
//   - "acme-tls/1": it is closed; the certificate cfg's GetCertificate gave that hello was the
//     answer to the CA's TLS-ALPN-01 challenge.
//   - anything else: the fast path serves HTTP/1.1 on it, as Serve does on a plain connection.
//
// When cfg.NextProtos is empty, "h2" and "http/1.1" are offered. Connections count in
// Options.MaxConns and are tracked as Serve's are, by Shutdown, Retire and Wait. A failed handshake
// is the client's business: it is counted ([Proxy.HandshakeFailures]) and logged at debug level.
// It returns as Serve does.
func (p *Proxy) ServeTLS(ln net.Listener, cfg *tls.Config) error {
	if len(cfg.NextProtos) == 0 {
		cfg = cfg.Clone()
		cfg.NextProtos = []string{alpnH2, alpnHTTP1}
	}
	return p.serve(ln, cfg)
}

// HandshakeFailures returns how many TLS handshakes on [Proxy.ServeTLS] failed since the proxy was
// made: clients that went away, spoke plain HTTP, or offered nothing the configuration accepts.
func (p *Proxy) HandshakeFailures() int64 { return p.handshakeFailures.Load() }

// serveTLS does the connection's handshake, then serves it by the protocol agreed.
func (c *conn) serveTLS() {
	tc := c.nc.(*tls.Conn)
	// Until the handshake is done the connection is as good as idle: Shutdown may close it.
	c.state.Store(connIdle)
	if !c.p.closing.Load() && c.handshake(tc) && c.active() {
		switch tc.ConnectionState().NegotiatedProtocol {
		case alpnH2:
			c.serveH2(tc)
			return
		case alpnACMETLS:
		default:
			c.serve()
			return
		}
	}
	c.p.trackConn(c, false)
	c.nc.Close()
}

// handshake does the TLS handshake within TLSHandshakeTimeout and reports whether it succeeded.
func (c *conn) handshake(tc *tls.Conn) bool {
	// A deadline rather than a context: HandshakeContext would start a goroutine per handshake to
	// watch the context.
	tc.SetDeadline(time.Now().Add(c.p.opts.TLSHandshakeTimeout))
	err := tc.HandshakeContext(context.Background())
	if err != nil {
		c.p.handshakeFailures.Add(1)
		c.p.log.Debug("proxy TLS handshake failed", "client", c.ip, "err", err)
		return false
	}
	tc.SetDeadline(time.Time{})
	return true
}

// serveH2 serves an HTTP/2 connection with the proxy's HTTP/2 server, each stream a request to
// ServeHTTP that carries the connection's retirement generation. It counts in Proxy.general while
// it is served.
func (c *conn) serveH2(tc *tls.Conn) {
	p := c.p
	p.general.Add(1)
	defer p.general.Add(-1)
	p.trackConn(c, false)
	p.h2.ServeConn(context.WithValue(context.Background(), h2ConnKey{}, &h2Conn{gen: c.gen}), tc)
}

type tlsStateKey struct{}

// h2Conn is what the general path knows of an HTTP/2 connection from ServeTLS.
type h2Conn struct{ gen uint64 }

type h2ConnKey struct{}

// connContext is the general path's http.Server's ConnContext: it makes the connection's
// framingConn findable from requests, and for a TLS connection the fast path handed over (a
// websocket upgrade, Expect), its TLS state, which net/http sets in Request.TLS only for a
// *tls.Conn.
func (p *Proxy) connContext(ctx context.Context, nc net.Conn) context.Context {
	if c, ok := nc.(*framingConn); ok {
		ctx = context.WithValue(ctx, framingKey{}, c)
		if hc, ok := c.Conn.(*handedConn); ok {
			if tc, ok := hc.Conn.(*tls.Conn); ok {
				state := tc.ConnectionState()
				ctx = context.WithValue(ctx, tlsStateKey{}, &state)
			}
		}
	}
	return ctx
}

// tlsOf returns the TLS state of the connection r came on, nil for plain HTTP.
func tlsOf(r *http.Request) *tls.ConnectionState {
	if r.TLS != nil {
		return r.TLS
	}
	state, _ := r.Context().Value(tlsStateKey{}).(*tls.ConnectionState)
	return state
}

// genOf returns the retirement generation of the connection r came on, false under another server.
func genOf(r *http.Request) (uint64, bool) {
	if fc := connOf(r); fc != nil {
		return fc.gen, true
	}
	if h, ok := r.Context().Value(h2ConnKey{}).(*h2Conn); ok {
		return h.gen, true
	}
	return 0, false
}
