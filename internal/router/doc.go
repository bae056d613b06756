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
//   - The path is matched as an app reads it, not as its bytes came, so that no spelling of a path
//     reaches another app than the one the path means (as nginx resolves a path before it picks a
//     location): escapes of unreserved characters decoded (/%61pi is /api; hex of either case),
//     runs of "/" merged, dot segments removed as RFC 3986 section 5.2.4 says (/x/../api is /api,
//     /api/../admin is /admin), the query ignored. Matching stays case-sensitive. A path with a
//     bad escape is matched as it came (the proxy refuses it). An escaped slash, %2F, stays one
//     byte of its segment, as Go's net/http and Rails read it; but a WSGI app (Django) reads it as
//     "/", so a path with %2F is matched that way too, and if the readings lead to different
//     routes it matches none. Prefixes are spelt the same way when the table is built.
//   - Lookup allocates nothing, whatever the number of routes: two map lookups at most per level.
//     A path is cleaned only when the table has a prefix and the path holds "%", "//" or a dot
//     segment, into a buffer on the stack (a path longer than MaxCleanPath allocates).
//
// The router does not strip the prefix nor change the path: the app sees the target the client
// sent.
package router
