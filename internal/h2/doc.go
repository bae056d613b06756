// Package h2 is the proxy's HTTP/2 server: it serves connections that agreed on HTTP/2 (ALPN "h2"),
// each stream a request to an [http.Handler], with the [http.ResponseWriter] net/http's handlers
// expect (flushes, trailers, 1xx, read and write deadlines through [http.ResponseController]).
//
// The model, in plain words:
//
//   - A connection has one read loop, the only reader of the socket. It reads frames with
//     x/net/http2's Framer, decodes header blocks with HPACK into one list used again for each
//     (block.go: the checks the Framer makes, without its allocations), checks them against
//     RFC 9113, and opens a stream for each request: a goroutine that runs the handler.
//   - Frames leave through one writer: whoever writes (a handler its response, the read loop its
//     acknowledgements) takes its lock and puts whole frames into the connection's buffer. The
//     connection's flusher, woken by the first write after a flush, flushes once the goroutines
//     ready to run have had their turn. Responses that finish about together leave in one system
//     call; no frame goes through a channel or waits for a serve loop.
//   - A response holds up to 16 KiB of body until the handler flushes or returns, so a small one
//     leaves as HEADERS and DATA in one write, with its Content-Length.
//   - Flow control: each stream may receive 256 KiB its handler has not read, the connection 1 MiB
//     in all; windows are given back once half is read. Sending waits for the client's windows, at
//     most WriteTimeout, then the stream is cut; a socket that takes no bytes for WriteTimeout ends
//     the connection. Either way the handlers see their contexts end.
//   - Limits: MaxConcurrentStreams streams open (more are refused with REFUSED_STREAM); when the
//     handlers still running, reset streams' included, reach four times that, the client is told
//     ENHANCE_YOUR_CALM and the connection ends (the "rapid reset" attack, CVE-2023-44487). The
//     header list is bounded by MaxHeaderListSize (431 past it, when it comes in one frame; the
//     Framer ends the connection of a client that goes on sending header blocks well past it,
//     CVE-2023-45288), a frame by HTTP/2's default 16 KiB (FRAME_SIZE_ERROR past it).
//   - A stream cut — reset by the client, reset by the server for an error, its deadline passed —
//     sends nothing more: its RST_STREAM is its last frame, so a response cut short never looks
//     whole. What the client still sends on it is ignored (RFC 9113, 5.1) and its DATA given back
//     to the connection's window.
//   - Ending: GOAWAY names the last stream the connection took; streams up to it finish, later ones
//     are refused, and once none is left the connection reads for DefaultLinger before it closes,
//     so a GOAWAY is not lost to a reset. A handler's response with Connection: close sends it (the
//     proxy retires connections that way), as do [Server.Shutdown] and an idle connection.
//
// # Why not net/http's HTTP/2 server
//
// It is correct and general, and it served the proxy until 2026-12-06, but measured under h2load
// (4 connections of 16 streams) it served 0.40–0.47× HAProxy's requests per second: each frame a
// handler writes goes over a channel to the connection's serve loop, which writes it and flushes
// whenever its queue runs dry, through a goroutine of its own. This server does the same work with
// a lock and one flusher, and writes a small response's frames in one call.
package h2
