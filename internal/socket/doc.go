// Package socket is cutover's side of the listening sockets it shares with the apps it runs: the
// systemd socket activation protocol (LISTEN_FDS), readiness notification (NOTIFY_SOCKET), and
// knowing which process accepted a connection.
//
// The model of socket mode, in plain words:
//
//   - The daemon opens the public socket once and holds it for its whole life ([Shared]). The kernel
//     queues every connection made to it until some process accepts it, so as long as one process
//     holds the socket open, no connection is refused: not while releases swap, not while nothing
//     accepts for a moment.
//   - A release's web processes inherit it as fd 3, with LISTEN_FDS=1, LISTEN_FDNAMES=http and
//     LISTEN_PID set to their own pid by the shell that runs the Procfile line ([ActivationCommand]).
//     Old and new processes accept on the same socket side by side during a deploy.
//   - A new process is ready once it has said so (READY=1 on a NOTIFY_SOCKET of cutover's own, see
//     [Notifier]) or answered its health path with 2xx (on its private $PORT, or through the socket),
//     and has accepted a connection on the socket, which proves it took the socket and did not
//     listen somewhere else ([Readiness]). Only then are the old processes sent SIGTERM: they stop
//     accepting and finish what they have in flight, and the new ones take every connection after.
//   - To tell which process accepted a connection made through the socket, a probe asks the kernel
//     (sock_diag) for the inode of the connection's server side and looks for the process group that
//     holds it ([Shared.Probe]).
//   - The socket stays in non-blocking mode, shared by every holder: the servers that take sockets
//     this way (gunicorn, Puma, Go's net package) set it so themselves, and the daemon needs it to
//     stop its own accept loop without closing the socket.
//
// How a process ends its keep-alive connections when it stops is up to its server, since cutover is
// not on the path in socket mode: gunicorn's sync workers do not keep connections alive, and Puma
// closes them between requests, but Go's http.Server.Shutdown closes idle ones at once, which a
// client that just sent a request on one must retry.
package socket
