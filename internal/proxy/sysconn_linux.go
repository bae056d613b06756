//go:build linux

package proxy

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// sysConn reads and writes a TCP connection with raw system calls, through the runtime's poller
// like net.Conn but without entering the scheduler's syscall state. The socket is non-blocking, so
// each call returns at once; but on loopback a write runs the receiver's TCP stack and can take
// tens of microseconds, long enough for the runtime's monitor to hand the P to another thread and
// wake it: profiles of the proxy showed twice HAProxy's context switches, in the proxy and in the
// backend beside it, from that alone.
type sysConn struct {
	rc      syscall.RawConn
	rb, wb  []byte
	rn      int
	rerr    error
	werr    error
	sent    bool
	readFn  func(uintptr) bool // made once: a method value passed each time would allocate
	writeFn func(uintptr) bool
	sendFn  func(uintptr) bool
	pooled  *[]byte // readPooled's buffer, from the pool
	waiting func()  // readPooled's, called before its first wait
	poolFn  func(uintptr) bool
}

// rawIO returns a reader and writer for nc: a sysConn for a TCP connection, nc itself otherwise.
func rawIO(nc net.Conn) io.ReadWriter {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nc
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nc
	}
	s := &sysConn{rc: rc}
	s.readFn, s.writeFn, s.sendFn, s.poolFn = s.read, s.write, s.sendThenRead, s.readIntoPooled
	return s
}

// Read implements [io.Reader].
func (s *sysConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.rb, s.rn, s.rerr = p, 0, nil
	err := s.rc.Read(s.readFn)
	s.rb = nil
	return s.readResult(err)
}

func (s *sysConn) read(fd uintptr) bool {
	for {
		n, errno := recv(fd, s.rb)
		switch errno {
		case 0:
			s.rn = int(n)
			return true
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // wait until readable
		default:
			s.rerr = os.NewSyscallError("read", errno)
			return true
		}
	}
}

// readPooled reads into a buffer from the pool that it takes only once the socket is readable, and
// gives back whenever the read has to wait, so a connection waiting for its next request holds no
// buffer, without a system call more than a plain read. waiting, if not nil, is called before the
// first wait. It returns the buffer, and the pointer to give back to putBuffer with it, also on an
// error.
func (s *sysConn) readPooled(waiting func()) (*[]byte, []byte, int, error) {
	s.rn, s.rerr, s.waiting = 0, nil, waiting
	err := s.rc.Read(s.poolFn)
	if s.rb == nil {
		s.pooled, s.rb = getBuffer() // the poller failed before the callback ran
	}
	p, b := s.pooled, s.rb
	s.pooled, s.rb, s.waiting = nil, nil, nil
	n, err := s.readResult(err)
	return p, b, n, err
}

func (s *sysConn) readIntoPooled(fd uintptr) bool {
	if s.rb == nil {
		s.pooled, s.rb = getBuffer()
	}
	if s.read(fd) {
		return true
	}
	putBuffer(s.pooled, s.rb)
	s.pooled, s.rb = nil, nil
	if s.waiting != nil {
		s.waiting()
		s.waiting = nil
	}
	return false
}

// recv and send are recvfrom(2) and sendto(2) without addresses: on a socket they do what read(2)
// and write(2) do, without passing through the file layer, as HAProxy's calls do.
func recv(fd uintptr, b []byte) (uintptr, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
	return n, errno
}

func send(fd uintptr, b []byte) (uintptr, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MSG_NOSIGNAL, 0, 0)
	return n, errno
}

// Write implements [io.Writer].
func (s *sysConn) Write(p []byte) (int, error) {
	s.wb, s.werr = p, nil
	err := s.rc.Write(s.writeFn)
	n := len(p) - len(s.wb)
	s.wb = nil
	if err == nil {
		err = s.werr
	}
	return n, err
}

func (s *sysConn) write(fd uintptr) bool {
	for len(s.wb) > 0 {
		n, errno := send(fd, s.wb)
		switch errno {
		case 0:
			s.wb = s.wb[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // wait until writable
		default:
			s.werr = os.NewSyscallError("write", errno)
			return true
		}
	}
	return true
}

// sendRecv writes w, then reads into r what comes back. The write is done inside the poller's read
// callback, after the poller forgot earlier readiness, so the read can wait for the answer at once
// instead of first trying and finding nothing (an EAGAIN system call per request, which HAProxy
// does not make either: it waits on epoll before it reads).
func (s *sysConn) sendRecv(w, r []byte) (int, error) {
	s.wb, s.rb, s.rn, s.rerr, s.werr, s.sent = w, r, 0, nil, nil, false
	err := s.rc.Read(s.sendFn)
	rest := s.wb
	s.wb, s.rb = nil, nil
	if s.werr != nil {
		return 0, s.werr
	}
	if len(rest) > 0 {
		// The socket's buffer was full, or the read was refused before the callback ran (a
		// deadline passed, the connection was closed): send the rest plainly, then read.
		if _, err := s.Write(rest); err != nil {
			return 0, err
		}
		return s.Read(r)
	}
	return s.readResult(err)
}

// readResult is what a read through the poller returned: the poller's error, the receive's, EOF
// for a closed peer, or the bytes read.
func (s *sysConn) readResult(err error) (int, error) {
	switch {
	case err != nil:
		return 0, err
	case s.rerr != nil:
		return 0, s.rerr
	case s.rn == 0:
		return 0, io.EOF
	}
	return s.rn, nil
}

func (s *sysConn) sendThenRead(fd uintptr) bool {
	if s.sent {
		return s.read(fd)
	}
	for len(s.wb) > 0 {
		n, errno := send(fd, s.wb)
		switch errno {
		case 0:
			s.wb = s.wb[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return true // sendRecv writes the rest
		default:
			s.werr = os.NewSyscallError("write", errno)
			return true
		}
	}
	s.sent = true
	return false // wait for the answer; if it came already, the poller has seen it since the reset
}
