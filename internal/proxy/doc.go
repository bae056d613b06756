// Package proxy is the HTTP reverse proxy that sits in front of the live release.
//
// The model, in plain words:
//
//   - A [Pool] is the web processes ([Backend]s) of one release. A [Site] is one app: it points at
//     one pool at a time, or at none before the first deploy. The [Proxy] has a site of its own that
//     takes every request, until [Proxy.SetRoutes] gives it a routing table (package router): then
//     each request goes to the site its Host and path name, and one no route matches gets 404. The
//     table is swapped atomically too; connections are not bound to a site, requests are.
//   - [Site.Switch] (and [Proxy.Switch], for the proxy's own site) swaps the pool pointer atomically. Every request that starts after Switch returns goes
//     to the new pool; a request that started before it stays with the pool it was bound to, for its
//     whole life, retries included.
//   - A request is in flight in its pool from the moment it is bound until its response is finished,
//     or, for a websocket or other upgraded connection, until that connection is closed.
//     [Pool.Drain] waits for the count to reach zero. If its context ends first, it cuts what is left
//     (closing streams and upgraded connections at that moment, not before) and reports how many.
//   - Requests are balanced round-robin over the pool's backends. A backend that refuses the
//     connection never saw the request, so the proxy tries the next backend of the same pool once. A
//     keep-alive connection the backend had closed while it sat idle is replaced, and the request sent
//     again, only when that is safe: a GET, HEAD, OPTIONS or TRACE without a body, as net/http's
//     Transport does. Nothing else is retried: the app may have acted on the request.
//   - Every failure the client sees goes through one error handler: 502 when no release is serving or
//     the app did not answer, 504 when it did not answer in time, 400 (or 431, 501, 505) for a request
//     the proxy and the app could read two ways, which is how requests are smuggled.
//   - [Options.Observe] hears about every request exactly once, failures included.
//   - A site can be paused ([Site.Pause]): its new requests wait, in arrival order, until
//     [Site.Resume] binds them to its pool one after the other, or get 503 at their timeout. In
//     maintenance ([Site.SetMaintenance]) it answers a 503 page at once but to allowed client
//     addresses. A site with neither costs its requests one atomic load.
//   - A site may buffer ([Site.SetBuffering]): request bodies are read in full (memory, then an
//     unlinked file in [Options.BodyDir]; 413 past [Buffering.MaxBody]) before the request is
//     bound to a pool, and responses of known length up to a limit are read from the app in full
//     before they go out, so a slow client holds no app worker. Event streams, bodies of unknown
//     length and upgrades always stream. A site without costs one atomic load.
//
// # Two paths
//
// [Proxy.Serve] runs the fast path: HTTP/1.1 written for this proxy. One goroutine per client
// connection reads each request head into the connection's buffer, parses it in place, and writes
// it, rewritten, to an idle keep-alive connection of the chosen backend; the response comes back the
// same way. Nothing is allocated per request (BenchmarkProxyRaw shows 0 allocs/op), bodies stream
// through in both directions without being held, and whatever arrived is flushed before the proxy
// waits for more, so an event stream goes out event by event.
//
// The general path is [Proxy.ServeHTTP]: net/http's server (package h2's for HTTP/2), then
// [httputil.ReverseProxy] over one tuned [http.Transport]. An HTTP/2 request without a body skips
// the last two: it goes to the app over the fast path's pooled keep-alive connections, its head
// written and the answer's head parsed by the fast path's code (stream.go). The fast path hands a connection to the general path, at a
// request boundary with the bytes it read already, for the few requests it leaves alone: upgrades
// (websockets), Expect: 100-continue, and targets that are not a path. It is also what callers get who mount the Proxy as an [http.Handler] under a server of
// their own. Both paths share Pool, Switch, Drain, Observe and the error pages.
//
// # TLS
//
// [Proxy.ServeTLS] does each connection's handshake in its own goroutine, then goes by the protocol
// agreed (ALPN): HTTP/1.1 takes the fast path over the *tls.Conn (without the raw system calls,
// which need a bare TCP socket), HTTP/2 package h2's server, in the connection's goroutine, each
// stream a request to ServeHTTP routed as any other (one without a body over the pooled backend
// connections, as said above). "acme-tls/1" hellos are closed
// after the handshake: the certificate was the answer. Either way the app is told
// X-Forwarded-Proto: https, also for a TLS connection the fast path hands over.
// [Site.SetHTTPS] makes a site redirect plain HTTP to https and add HSTS on TLS;
// [Options.Challenge] answers ACME HTTP-01 challenges on plain HTTP before any of that. [Proxy.Retire]
// reaches HTTP/2 connections through a Connection: close on their next response, which makes
// package h2 send GOAWAY. A daemon that handed over forwards what still comes on its connections to
// the new daemon with the upgrade's secret ([NewHandoverPool], [Proxy.AcceptHandover]), so the new
// one takes a request that came over TLS for the HTTPS request it is (handover.go).
//
// Measured on the same machine (cutover bench proxy --tls, one certificate, TLS 1.3, X25519 for
// all), the fast path over TLS served 1.04× nginx's and 0.98× HAProxy's requests per second, and
// as many new handshakes per second as they did (0.99×, 1.08×). HTTP/2 (--http2) through net/http's
// HTTP/2 server served 0.58–0.72× HAProxy's requests per second, and 0.40× under h2load (4
// connections of 16 streams): each frame went over a channel to the connection's serve loop, which
// flushed whenever its queue ran dry. Package h2 writes frames under a lock and flushes once the
// ready handlers had their turn (see its doc); on 2026-12-06 that made it 0.88–0.95× HAProxy's
// with the bench's driver (1.00× nginx's) and 0.58–0.76× under h2load, at 1.38–1.52× HAProxy's
// CPU per request; with the daemon's GC floor (package gcfloor) and header blocks decoded without
// allocations of their own, 43 µs of CPU a request instead of 49–52 (0.91× HAProxy's requests/s
// in that run; docs/design/front-door.md, section 8).
//
// # Why not net/http, or fasthttp
//
// Measured on a 2-core machine with the backend, the load and the proxy sharing it, the net/http path
// served 0.25× the requests per second of the backend alone, where HAProxy serves about 0.7×: per
// request it parses headers into maps, and its Transport hands each request and response between
// goroutines. The calibration puts a 20-line proxy on valyala/fasthttp at 0.82–0.96× of
// HAProxy, short of the target even so: it parses every head into its own structures and serializes
// it again on each side, buffers bodies unless told to stream them, and its server owns its
// connections, where a drain must reach in and cut exactly the ones bound to a pool, and where a
// smuggling defence must see the head as it came (both lengths, every Content-Length, obs-fold, bare
// line feeds), not after a lenient parser has settled them. An HTTP/1.1 proxy path is a few hundred
// lines of parsing held to RFC 9112 and a few hundred of plumbing; owning them is what makes the
// refusals exact and testable, and the hot path as short as HAProxy's.
//
// # What the profile asked for
//
//   - Reads and writes go through the runtime poller with raw non-blocking system calls (sysConn):
//     a loopback write runs the receiver's TCP stack and takes long enough for the
//     runtime to hand the thread's P to another thread, which doubled the context switches of the
//     proxy and of the backend beside it.
//   - The request is written inside the poller's read callback, so that the read for the answer waits
//     at once instead of first finding nothing: one EAGAIN system call fewer per request.
//   - Only requests slower than [DefaultClientWatchDelay] get a goroutine watching for the client
//     leaving, which lets the backend see the request cancelled.
//   - A connection waiting for its next request holds no buffer: the socket is read through the
//     poller with a buffer taken from the pool inside the callback and given back when the read
//     would wait, so this costs no system call; and it forgets its last exchange. 10,000 idle
//     keep-alive clients cost about 7.7 KB each in `cutover serve` (`cutover bench conns`), 4 KB
//     of it the goroutine's stack.
//
// With all of it, on that machine, the fast path serves 0.6–0.7× the backend alone, as HAProxy and
// nginx do, within a few percent of HAProxy either way from run to run.
package proxy
