// Package socket is cutover's side of the listening sockets it shares with the apps it runs and
// hands to its own successor: the systemd socket activation protocol (LISTEN_FDS), readiness
// notification (NOTIFY_SOCKET), knowing which process accepted a connection, and the handover of an
// upgrade.
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
// not on the path in socket mode: gunicorn's sync workers do not keep connections alive; Puma
// closes idle ones without an answer unless told to keep none (the deploy warns, see package
// deploy); Go's http.Server.Shutdown closes idle ones at once, which a client that just sent a
// request on one must retry (the sample app ends them between requests instead).
//
// The model of an upgrade, in plain words (one or two daemons; at most one that is not ready):
//
//   - The old daemon starts the new binary ([StartSuccessor]) and hands it, as inherited files, the
//     public socket, the control socket, the lifeline (see package process) and the read ends of the
//     app's output pipes, with the live state as JSON in CUTOVER_UPGRADE. A socket pair carries the
//     handshake.
//   - The new daemon ([TakeOver]) checks what it got and says it is ready; it does not accept or
//     watch anything yet. If it fails, exits, or stays silent past [DefaultUpgradeTimeout], the old
//     one stops it and serves on, and says why.
//   - Once it is ready, the old daemon stops accepting on both sockets (connections queue in the
//     kernel meanwhile), stops supervising the app and reading its output, and says go. Only then
//     does the new one adopt the app's processes (not restarting them) and accept.
//   - The old daemon then retires its proxy's client connections (proxy.Proxy.Retire): each one's
//     next response says Connection: close, so it ends between requests, the client told in the
//     answer, never under a request nor by a bare FIN it must race; requests it still gets go to the
//     app as before. It exits once the last one has closed.
package socket
