// Package router is the table that says which app answers a request, by its Host and path.
//
// The model, in plain words:
//
//   - A [Route] is a host pattern, an optional path prefix, and the target it leads to (an app's
//     site, for the proxy). A host pattern is an exact name (blog.example.com), a wildcard for one
//     label (*.example.com matches a.example.com, not a.b.example.com nor example.com, as a TLS
//     certificate's wildcard does), or "*", any host: the default app.
//   - [Build] checks every route (names as DNS has them, lowercase; a prefix starting with "/") and
//     refuses two routes for the same host and prefix, naming both owners. The [Table] it returns is
//     immutable: a change builds a new one, and the caller swaps it in atomically, so a request reads
//     one table from start to end and a change never waits for requests.
//   - [Table.Lookup] normalizes the Host header as it came (port cut, one trailing dot dropped,
//     ASCII lowercased), then tries the exact name, then the wildcard for its parent, then "*". At
//     each of those the longest prefix that matches the path on a segment boundary wins (/api
//     matches /api, /api/x and /api?q, not /apix); when none does, the next level is tried.
//   - Lookup allocates nothing, whatever the number of routes: two map lookups at most per level.
//
// The router does not strip the prefix: the app sees the path the client sent.
package router
