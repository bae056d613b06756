// Package freeport picks TCP ports on 127.0.0.1 for servers that bind them themselves: an app's
// $PORT, a database or a test's server.
//
// The model: a port asked of the kernel with port 0 comes from its ephemeral range, the range it
// also gives every outgoing connection its local port from. Between the moment such a port is
// found free and the moment the server binds it, any connect() on the machine may take it (the
// proxy's own connections to apps do, all the time), and the server then fails with "address
// already in use". So Pick chooses below the ephemeral range, where the kernel never puts a
// connection by itself: only another server binding ports explicitly can race it. A port handed
// out is not handed out again by the same process for a while, so that two processes booting at
// once get two ports.
package freeport
