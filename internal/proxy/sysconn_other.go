//go:build !linux

package proxy

import (
	"io"
	"net"
)

// rawIO returns nc: raw system calls are used on Linux only.
func rawIO(nc net.Conn) io.ReadWriter { return nc }

// sysConn is not used outside Linux.
type sysConn struct{ io.ReadWriter }

func (s *sysConn) sendRecv(w, r []byte) (int, error) {
	if _, err := s.Write(w); err != nil {
		return 0, err
	}
	return s.Read(r)
}

// readPooled reads into a buffer from the pool, held across the wait outside Linux.
func (s *sysConn) readPooled(waiting func()) (*[]byte, []byte, int, error) {
	p, b := getBuffer()
	n, err := s.Read(b)
	return p, b, n, err
}
