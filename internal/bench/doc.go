// Package bench is "cutover bench": it measures cutover against what a user would pick instead,
// side by side in one run on this machine, with load only to 127.0.0.1.
//
// The proxy bench starts a backend (the sample app), cutover's proxy in front of it in a process
// of its own, and nginx and HAProxy configured the same way when they are installed (a proxy
// given as a URL is driven as it is). It drives each in turn, round after round, with the same
// closed-loop load of keep-alive connections, and reports requests per second, p50 and p99, each
// as a ratio to the backend alone. With TLS, the proxies serve TLS 1.3 with one self-signed ECDSA
// P-256 certificate and are driven over it (HTTP/1.1, or HTTP/2), the driver offering only X25519,
// and each is driven also with a new connection per request, for TLS handshakes per second.
// Observed (--observed), cutover's proxy is started and driven a second time with what "cutover
// serve --dashboard" adds to the request path and beside it: the metrics registry counting every
// request, and the dashboard on a loopback port with tabs holding its status stream open. A TLS
// proxy given as an https:// URL is driven the same way, trusting only that certificate, which the
// bench can keep in a directory for it to serve. With many apps, cutover's proxy is measured twice
// in each round, as one app and routing by Host among the apps (one site and pool each, all in
// front of the one backend), while every target's requests go through the apps' host names in turn.
//
// The deploy bench starts a real "cutover serve", deploys the sample app, then deploys again and
// again under fixed-rate open-loop load with slow requests in flight, and reports what the load
// saw (requests sent, failed by class, latency steady and during the deploy window), how soon the
// new release served after passing its health check, and the daemon's memory.
//
// The connections bench opens many keep-alive client connections, one request each, to the sample
// app alone and then to a real "cutover serve" in front of it, and reports what holding them idle
// costs each process in memory, per connection and as a ratio to the app's (a Go net/http server).
package bench
