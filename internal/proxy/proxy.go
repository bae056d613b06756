package proxy

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover-dev/cutover/internal/h2"
	"github.com/cutover-dev/cutover/internal/router"
)

// Defaults for the zero values of [Options].
const (
	// DefaultReadHeaderTimeout bounds how long a client may take to send request headers, so slow
	// clients cannot hold connections open.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout is how long an idle client keep-alive connection is kept open, as nginx's
	// keepalive_timeout.
	DefaultIdleTimeout = 75 * time.Second
	// DefaultResponseHeaderTimeout bounds how long the app may take to start its response. It matches
	// nginx's proxy_read_timeout and is twice Heroku's 30 s router timeout, so an app that runs there
	// is not cut off sooner here. Once headers arrive the body may stream for as long as it likes.
	DefaultResponseHeaderTimeout = 60 * time.Second
	// DefaultSendTimeout bounds how long a write to a client may wait for the client to read, as
	// nginx's send_timeout and HAProxy's timeout client: past it the client connection and the
	// backend connection are closed, so a client that stops reading cannot hold an app worker.
	DefaultSendTimeout = 60 * time.Second
	// DefaultBodyReadTimeout bounds how long a request body may pause between two reads, as
	// nginx's client_body_timeout: an upload may take as long as it likes while data arrives.
	DefaultBodyReadTimeout = 60 * time.Second
	// DefaultMaxIdleConnsPerBackend is how many idle keep-alive connections are kept per backend.
	DefaultMaxIdleConnsPerBackend = 256
)

// Options configure a [Proxy]. The zero value is ready to use.
type Options struct {
	// ReadHeaderTimeout bounds reading a client's request headers. Zero means
	// DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// IdleTimeout is how long an idle client keep-alive connection stays open. Zero means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// ResponseHeaderTimeout bounds how long a backend may take to send response headers, counted
	// from the end of the request body (an upload's time is not the app's); past it the client
	// gets 504. Zero means DefaultResponseHeaderTimeout.
	ResponseHeaderTimeout time.Duration
	// BodyReadTimeout bounds how long a request body may pause between reads, on both paths.
	// Zero means DefaultBodyReadTimeout.
	BodyReadTimeout time.Duration
	// SendTimeout bounds how long one write to a client may wait for the client to read, on both
	// paths (HTTP/2 included). Zero means DefaultSendTimeout.
	SendTimeout time.Duration
	// TLSHandshakeTimeout bounds a client's TLS handshake on ServeTLS. Zero means
	// DefaultTLSHandshakeTimeout.
	TLSHandshakeTimeout time.Duration
	// Challenge, if not nil, answers ACME HTTP-01 challenges: a plain-HTTP request whose path
	// starts with /.well-known/acme-challenge/ is passed to it first, and goes on to its site
	// as usual only if Challenge returns false (it then must not have written to w); Observe
	// sees one it answered as a 200. Nil means such requests are routed like any other.
	Challenge func(w http.ResponseWriter, r *http.Request) bool
	// MaxIdleConnsPerBackend is how many idle connections to each backend are kept for reuse. Zero
	// means DefaultMaxIdleConnsPerBackend.
	MaxIdleConnsPerBackend int
	// BodyDir is where request bodies a site buffers (see [Buffering]) go past their memory part;
	// "" means os.TempDir(). The daemon gives its state directory's.
	BodyDir string
	// MaxConns bounds the client connections open at once; past it a new connection is closed at
	// once. Zero means DefaultMaxConns, lowered to fit the open-file limit (see [connLimit]).
	MaxConns int
	// TrustedProxies are the addresses of proxies in front of this one (a load balancer) whose
	// X-Forwarded-For the app may believe: from them the list is kept and the client's address
	// appended; from anyone else it is replaced by the client's address. Nil trusts no one.
	TrustedProxies []netip.Prefix
	// Observe, if not nil, is called exactly once per request, after its response is finished, on
	// the request's goroutine. It must stay cheap. Nil means nothing is called.
	Observe func(Result)
	// HTTPSPort is the port clients reach HTTPS on, named in redirects to HTTPS unless it is 443;
	// zero means 443.
	HTTPSPort int
	// Logger receives proxy errors. Nil means slog.Default().
	Logger *slog.Logger
}

// Result is what the proxy observed for one request, passed to [Options.Observe].
type Result struct {
	Release  string        // release of the pool the request was bound to, "" if none
	Backend  string        // Backend.Name of the backend that answered or failed last, "" if none
	Status   int           // status sent to the client (502 etc. for proxy errors)
	Duration time.Duration // from the start of ServeHTTP until the response was finished
	Err      error         // non-nil when the proxy failed the request
	// Bytes is how many bytes of the app's response body were passed on to the client, without
	// the chunked framing: 0 for a HEAD or 304 answer, for the proxy's own pages (502, 503,
	// redirects) and for an upgraded connection's traffic. A response that broke off counts what
	// was passed on before, which may include up to a buffer's worth the client never got.
	Bytes int64
}

// Proxy is an HTTP reverse proxy to the current [Pool] of each [Site]. It is safe for concurrent
// use.
type Proxy struct {
	// site takes every request while routes is nil; Switch, Current and SetStarting are its.
	site    *Site
	routes  atomic.Pointer[router.Table[*Site]]
	sites   []*Site // every site made by NewSite, the proxy's own first; guarded by mu
	opts    Options
	observe func(Result)
	// httpsPort follows the host in redirects to HTTPS: ":8443", or "" for 443.
	httpsPort string
	log       *slog.Logger

	// The fast path: Serve's connections, and the connections to backends kept in each Pool.
	dialer     net.Dialer
	watchDelay time.Duration
	mu         sync.Mutex // guards listeners, conns and sites
	listeners  map[net.Listener]struct{}
	conns      map[*conn]struct{}
	closing    atomic.Bool   // Shutdown has begun
	retired    atomic.Uint64 // Retire's generation: connections accepted before the last Retire close after their next response
	retiredAll atomic.Bool   // RetireAll was called: every connection closes after its next response
	general    atomic.Int64  // connections handed to the general path and not closed yet
	// handedBy is the secret of the upgrade that started this daemon, nil past its time: see
	// handover.go.
	handedBy atomic.Pointer[[]byte]
	// responseBytes is the memory buffered responses hold now (see holdResponse).
	responseBytes atomic.Int64
	refusedAt     atomic.Int64 // unix nanoseconds of the last "connection cap reached" log line
	refused       atomic.Int64 // connections refused at the cap since that line

	// The general path: ServeHTTP over httputil.ReverseProxy, served to the connections the fast
	// path hands over by an http.Server listening on handoff.
	forward     *httputil.ReverseProxy
	transport   *http.Transport
	server      *http.Server
	handoff     *connQueue
	generalOnce sync.Once
	h2          *h2.Server // serves the connections that agreed on HTTP/2, each stream to ServeHTTP

	handshakeFailures atomic.Int64 // failed TLS handshakes on ServeTLS

	// Held requests (see Site.Pause) stop waiting when stop is closed (Shutdown) or go to the
	// proxy's own site when detour is (DetourHeld).
	stop, detour         chan struct{}
	stopOnce, detourOnce sync.Once
}

// New returns a proxy with no pool: it answers 502 until the first [Proxy.Switch].
func New(opts Options) *Proxy {
	opts = opts.withDefaults()
	p := &Proxy{
		opts:       opts,
		observe:    opts.Observe,
		log:        opts.Logger,
		dialer:     net.Dialer{Timeout: DefaultDialTimeout},
		watchDelay: DefaultClientWatchDelay,
		listeners:  map[net.Listener]struct{}{},
		conns:      map[*conn]struct{}{},
		handoff:    newConnQueue(),
		httpsPort:  opts.httpsPort(),
		stop:       make(chan struct{}),
		detour:     make(chan struct{}),
	}
	p.site = p.NewSite("")
	p.transport = newTransport(opts)
	p.forward = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      retrier{p.transport},
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.fail,
		BufferPool:     &bufferPool{},
		ErrorLog:       slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
		// FlushInterval stays 0: ReverseProxy already flushes every write at once for
		// text/event-stream and for bodies of unknown length (streams), and buffers the rest.
	}
	p.server = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		MaxHeaderBytes:    MaxRequestHeadBytes, // the fast path's bound (net/http allows 4 KiB more)
		IdleTimeout:       opts.IdleTimeout,
		// No ReadTimeout or WriteTimeout: uploads, SSE and websockets may last long; Drain
		// bounds them at a deploy.
		ErrorLog:    slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
		ConnContext: p.connContext,
		// "OPTIONS *" must reach ServeHTTP like every other request, so request counts per
		// connection stay aligned with the framing check.
		DisableGeneralOptionsHandler: true,
	}
	p.h2 = &h2.Server{
		Handler:              p,
		MaxConcurrentStreams: DefaultMaxStreams,
		MaxHeaderListSize:    MaxRequestHeadBytes,
		IdleTimeout:          opts.IdleTimeout,
		PrefaceTimeout:       opts.ReadHeaderTimeout,
		WriteTimeout:         opts.SendTimeout,
		Logger:               opts.Logger,
	}
	return p
}

func (o Options) withDefaults() Options {
	if o.ReadHeaderTimeout == 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.ResponseHeaderTimeout == 0 {
		o.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if o.BodyReadTimeout == 0 {
		o.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if o.SendTimeout == 0 {
		o.SendTimeout = DefaultSendTimeout
	}
	if o.TLSHandshakeTimeout == 0 {
		o.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if o.MaxIdleConnsPerBackend == 0 {
		o.MaxIdleConnsPerBackend = DefaultMaxIdleConnsPerBackend
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.MaxConns = connLimit(o.MaxConns, openFileLimit())
	return o
}

// Switch makes next the current pool of the proxy's own site (see [Site.Switch]).
func (p *Proxy) Switch(next *Pool) (prev *Pool) { return p.site.Switch(next) }

// Site returns the proxy's own site, which takes every request while no routing table is set.
func (p *Proxy) Site() *Site { return p.site }

// Current returns the current pool of the proxy's own site, nil before the first switch.
func (p *Proxy) Current() *Pool { return p.site.Current() }

// SetStarting sets the starting page of the proxy's own site (see [Site.SetStarting]).
func (p *Proxy) SetStarting(msg string, retryAfter time.Duration) {
	p.site.SetStarting(msg, retryAfter)
}

// ServeHTTP forwards r to a backend of the current pool. Requests with an ambiguous length are only
// recognized, and refused, on connections accepted by [Proxy.Serve]; under another server net/http
// has already resolved them in favour of Transfer-Encoding.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := &flight{proxy: p, w: w, in: r, start: time.Now(), backend: -1, conn: connOf(r)}
	defer f.finish()
	if f.conn != nil {
		if err := f.conn.check(r); err != nil {
			f.fail(err)
			return
		}
	} else if r.ProtoMajor == 2 {
		if err := checkHTTP2(r); err != nil {
			f.fail(err)
			return
		}
	}
	if gen, ok := genOf(r); ok && p.isRetired(gen) {
		retireGeneral(w, r)
	}
	secure := tlsOf(r)
	if p.challenge(w, r, secure != nil) { // the connection's own TLS: see challengeNext
		f.status = http.StatusOK // as far as the proxy knows: Challenge wrote the answer
		return
	}
	ip := clientIP(r.RemoteAddr)
	f.trusted = p.trusts(ip)
	handed, handedTLS := p.handedRequest(r, ip, f.trusted)
	if handedTLS && secure == nil {
		secure = &tls.ConnectionState{} // came over TLS to the daemon before, or to the proxy in front
	}
	f.handed = handed
	site := p.routeRequest(r)
	if site == nil {
		f.fail(ErrNoSite)
		return
	}
	f.site = site
	pol := site.https.Load()
	if secure == nil && redirects(pol, r.Host, r.URL.Path) {
		f.requestID = requestID(r.Header)
		f.status = redirectGeneral(w, r, f.requestID, p.httpsPort)
		return
	}
	if secure != nil && pol != nil {
		f.hsts = pol.hsts
	}
	if b := site.buffer.Load(); b != nil && b.Requests && r.Body != nil && r.Body != http.NoBody {
		sp, err := f.spoolBody(b)
		if err != nil {
			f.fail(err)
			if errors.Is(err, ErrClientGone) {
				// A client that stalled or left gets no page; net/http would otherwise answer
				// 200 with nothing to one still there.
				panic(http.ErrAbortHandler)
			}
			return
		}
		defer sp.close()
	}
	if g := site.gate.Load(); g != nil {
		next, pool, pg, err := f.admit(site, g)
		if pg != nil {
			f.answer(pg, ErrMaintenance)
			return
		}
		if err != nil {
			f.fail(err)
			return
		}
		site, f.pool = next, pool
	}
	if f.pool == nil {
		if f.pool = f.bindSite(site, r); f.pool == nil {
			f.fail(site.noRelease())
			return
		}
	}
	f.attach()
	if f.backend = f.pool.pick(); f.backend < 0 {
		f.fail(errNoBackends)
		return
	}
	if pooledH2(r, site) {
		f.forwardPooled(f.watchSend(w), r, secure != nil)
		f.sendRest()
		return
	}
	out := r.WithContext(f)
	out.TLS = secure // so that the rewrite sets X-Forwarded-Proto: https on a handed TLS connection too
	p.forward.ServeHTTP(f.watchClient(w, out))
	f.sendRest()
	if f.bodyRead != nil && f.bodyRead.cutOff() {
		// As on the fast path, a body that stalled ends the connection (on HTTP/2, the stream)
		// without an answer; net/http would otherwise send 200 with nothing.
		panic(http.ErrAbortHandler)
	}
}
