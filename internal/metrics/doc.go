// Package metrics is what a cutover daemon tells Prometheus: a [Registry] of the proxy's requests,
// the deploys, the processes and the certificates, served as the text format at [DefaultPath].
//
// The model, in plain words:
//
//   - Requests are counted per app and release, never per path, so the series stay few. Each app
//     has an [App] handle whose Observe is called once per request on the request's goroutine; it
//     keeps the counters of the release that served last in an atomic pointer, so a request costs
//     a pointer load, a string compare and a few atomic adds. A request of another release (one
//     draining during a deploy) finds its counters in a map read without a lock.
//   - What exists at a moment, in flight, restarts, the live release, certificates, the proxy's open
//     connections, is not counted as it happens: a [Source] reports it at each scrape.
//   - A release that no longer serves keeps its series for [DefaultRetireAfter], so a rate over the
//     deploy window stays whole, then they are dropped: the series of a daemon that deploys often
//     stay as many as its apps, not as its releases. So are an app's once it is gone.
//   - Deploys are counted by outcome when they end (App.Deployed), with their duration and each
//     step's.
//
// A nil *App is metrics turned off: every method does nothing, so the request path pays one nil
// check.
package metrics
