package socket

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Shared is a listening TCP socket that outlives whoever accepts on it: the daemon holds it for its
// whole life (and hands it to the next daemon at an upgrade), app processes in socket mode inherit it,
// and the proxy accepts on a duplicate of it that it can close without closing the socket. While
// it is open, the kernel queues every new connection until someone accepts it: none is refused.
type Shared struct {
	file *os.File
	addr net.Addr
}

// Listen opens a shared listening socket on the TCP address addr.
func Listen(addr string) (*Shared, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another server using it? pass --listen)", addr, err)
	}
	defer ln.Close() // the file below is a duplicate that keeps the socket open
	return FromListener(ln)
}

// FromListener makes a shared socket of ln's socket. ln itself may be closed afterwards.
func FromListener(ln net.Listener) (*Shared, error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return nil, fmt.Errorf("share %s: not a TCP listener (%T)", ln.Addr(), ln)
	}
	f, err := Dup(tl, "socket "+ln.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("share %s: %w", ln.Addr(), err)
	}
	return &Shared{file: f, addr: ln.Addr()}, nil
}

// FromFile makes a shared socket of f, a listening TCP socket passed by a parent (systemd, or the
// daemon before an upgrade). f is closed; the Shared holds a duplicate.
func FromFile(f *os.File) (*Shared, error) {
	defer f.Close()
	dup, err := Dup(f, f.Name())
	if err != nil {
		return nil, fmt.Errorf("passed socket %s: %w", f.Name(), err)
	}
	if on, err := unix.GetsockoptInt(fdOf(dup), unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || on != 1 {
		dup.Close()
		return nil, fmt.Errorf("passed socket %s: not a listening socket", f.Name())
	}
	ln, err := net.FileListener(dup)
	if err != nil {
		dup.Close()
		return nil, fmt.Errorf("passed socket %s: %w", f.Name(), err)
	}
	defer ln.Close()
	if _, ok := ln.(*net.TCPListener); !ok {
		dup.Close()
		return nil, fmt.Errorf("passed socket %s: got a %s socket, want a listening TCP socket", f.Name(), ln.Addr().Network())
	}
	return &Shared{file: dup, addr: ln.Addr()}, nil
}

// Dup returns a duplicate of c's descriptor as a file named name, in non-blocking mode, for a child
// to inherit.
//
// The mode is a property of the socket that every duplicate and every process that inherited it
// share. It stays non-blocking, as systemd passes its sockets and as Go's listeners need it, and
// the file is made with os.NewFile, whose Fd (called when a child inherits it) leaves the mode
// alone; a file from net's File method would switch the shared socket to blocking mode there, and
// an accept loop of this process on it could then no longer be stopped.
func Dup(c syscall.Conn, name string) (*os.File, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(s uintptr) {
		if fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0); derr == nil {
			derr = unix.SetNonblock(fd, true)
		}
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("duplicate: %w", derr)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// fdOf returns f's descriptor without changing its mode (os.File.Fd might).
func fdOf(f *os.File) int {
	fd := -1
	if raw, err := f.SyscallConn(); err == nil {
		raw.Control(func(s uintptr) { fd = int(s) })
	}
	return fd
}

// Addr returns the address the socket listens on.
func (s *Shared) Addr() net.Addr { return s.addr }

// File returns the socket, for a child to inherit. It stays owned by s: do not close it.
func (s *Shared) File() *os.File { return s.file }

// Listener returns a new listener on a duplicate of the socket. Closing it stops this listener's
// accepting; the socket stays open and connections queue for the other acceptors.
func (s *Shared) Listener() (net.Listener, error) {
	ln, err := net.FileListener(s.file)
	if err != nil {
		return nil, fmt.Errorf("accept on %s: %w", s.addr, err)
	}
	return ln, nil
}

// Close closes the daemon's hold on the socket. App processes that inherited it keep it open until
// they exit.
func (s *Shared) Close() error {
	if err := s.file.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// DialAddr is the address a local client reaches the socket on: its own address, with the loopback
// address for a wildcard one.
func (s *Shared) DialAddr() string {
	ta, ok := s.addr.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return s.addr.String()
	}
	// 127.0.0.1 reaches an IPv6 wildcard socket too, unless it is IPv6-only, which Go's are not.
	return (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ta.Port}).String()
}
