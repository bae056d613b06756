// Package proxy is the HTTP reverse proxy that sits in front of the live release.
//
// The model, in plain words:
//
//   - A [Pool] is the web processes ([Backend]s) of one release. The [Proxy] points at one pool at a
//     time, or at none before the first deploy.
//   - [Proxy.Switch] swaps that pointer atomically. Every request that starts after Switch returns goes
//     to the new pool; a request that started before it stays with the pool it was bound to, for its
//     whole life, retries included.
//   - A request is in flight in its pool from the moment it is bound until its response is finished,
//     or, for a websocket or other upgraded connection, until that connection is closed.
//     [Pool.Drain] waits for the count to reach zero. If its context ends first, it cuts what is left
//     (closing streams and upgraded connections at that moment, not before) and reports how many.
//   - Requests are balanced round-robin over the pool's backends. A backend that refuses the
//     connection never saw the request, so the proxy tries the next backend of the same pool once.
//     Nothing else is retried: the app may have acted on the request.
//   - Every failure the client sees goes through one error handler: 502 when no release is serving or
//     the app did not answer, 504 when it did not answer in time, 400 for a request whose length is
//     ambiguous (Content-Length and Transfer-Encoding together, a request smuggling vector).
//   - [Options.Observe] hears about every request exactly once, failures included.
//
// Forwarding is built on [httputil.ReverseProxy] over one tuned [http.Transport] with pooled keep-alive
// connections to the backends: it already gets hop-by-hop headers, trailers, 1xx responses, upgrades
// and immediate flushing of event streams right, which an own path would have to earn again. All of it
// sits behind Pool, Switch and Drain, so a faster path can replace it without touching callers.
package proxy
