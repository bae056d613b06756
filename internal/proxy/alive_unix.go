//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// alive reports whether a connection with nothing to read is still open: a peek that does not wait
// finds nothing yet (EAGAIN). The end of the stream, an error, or bytes the backend sent unasked
// all mean the connection cannot carry a request.
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
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && open
}
