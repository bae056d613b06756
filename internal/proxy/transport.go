package proxy

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of the connections to backends. They are not options: backends are local processes.
const (
	// DefaultDialTimeout bounds connecting to a backend. A local backend accepts or refuses at
	// once; the bound only matters when its accept queue is full.
	DefaultDialTimeout = 5 * time.Second
	// DefaultBackendIdleTimeout is how long an idle connection to a backend is kept for reuse, as
	// nginx's upstream keepalive_timeout.
	DefaultBackendIdleTimeout = 60 * time.Second
)

// The proxy answers a client's "Expect: 100-continue" itself, as nginx does: net/http's server
// sends 100 Continue as soon as the body is read, and the transport sends the body to the app at
// once (ExpectContinueTimeout 0) without the Expect field (see rewrite). Waiting for the app's 100
// instead cost a second on every such request to an app that never sends one (most servers
// behind a proxy do not).

// newTransport returns the one transport shared by all pools.
func newTransport(o Options) *http.Transport {
	d := &net.Dialer{Timeout: DefaultDialTimeout}
	return &http.Transport{
		Proxy:                 nil, // backends are local; HTTP_PROXY must not apply
		DialContext:           d.DialContext,
		MaxIdleConnsPerHost:   o.MaxIdleConnsPerBackend,
		IdleConnTimeout:       DefaultBackendIdleTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		ExpectContinueTimeout: 0,
		// Pass Accept-Encoding and bodies through untouched instead of asking for gzip and
		// decompressing on the client's behalf.
		DisableCompression: true,
	}
}

// retrier retries a request once on the next backend of its pool when connecting failed: the app
// never saw the request, so this is safe for any method. Other errors are returned as they are.
type retrier struct{ t *http.Transport }

// RoundTrip implements [http.RoundTripper].
func (rt retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := rt.t.RoundTrip(req)
	if err == nil || !isDialError(err) {
		return res, err
	}
	f := flightOf(req.Context())
	if f == nil || f.retried || f.body.read.Load() || req.Context().Err() != nil {
		return nil, err
	}
	f.retried = true
	f.proxy.log.Warn("backend refused connection, retrying on the next one",
		"release", f.pool.release, "backend", f.pool.backends[f.backend].Name, "err", err)
	f.backend = (f.backend + 1) % len(f.pool.backends)
	retry := req.Clone(req.Context())
	retry.URL.Host = f.pool.backends[f.backend].Addr
	return rt.t.RoundTrip(retry)
}

// isDialError reports whether err means the connection to the backend was never made.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// bufferPool recycles the buffers ReverseProxy copies bodies through.
type bufferPool struct{ p sync.Pool }

const bufferSize = 32 << 10

// Get implements [httputil.BufferPool].
func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, bufferSize)
}

// Put implements [httputil.BufferPool].
func (b *bufferPool) Put(buf []byte) {
	if cap(buf) == bufferSize {
		buf = buf[:bufferSize]
		b.p.Put(&buf)
	}
}
