//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// alive reports whether a connection with nothing to read is still open: a peek that does not wait
// finds nothing yet (EAGAIN). The end of the stream, an error, or bytes the backend sent unasked
// all mean the connection cannot carry a request.
//
// The peek goes through Control, not the raw Read: an idle connection keeps the read deadline of
// its last request (a deadline that came early is kept rather than reset: exchange.go, stream.go),
// and Read would fail on that deadline without looking at the socket, so every connection idle
// longer than staleCheckAfter would be taken for dead, closed and dialled again.
func alive(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	var buf [1]byte
	err = rc.Control(func(fd uintptr) {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
	})
	return err == nil && open
}
