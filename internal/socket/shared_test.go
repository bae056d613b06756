package socket

import (
	"net"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSharedSurvivesItsListeners: closing a listener on the shared socket stops only its own
// accepting; connections made meanwhile wait in the queue for the next one.
func TestSharedSurvivesItsListeners(t *testing.T) {
	s := listen(t)
	ln, err := s.Listener()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	c, err := net.Dial("tcp", s.DialAddr())
	if err != nil {
		t.Fatalf("dial after the listener closed: %v (want the connection queued)", err)
	}
	defer c.Close()
	ln2, err := s.Listener()
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	got, err := ln2.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.RemoteAddr().String() != c.LocalAddr().String() {
		t.Errorf("accepted %s, want the queued %s", got.RemoteAddr(), c.LocalAddr())
	}
}

func TestDialAddr(t *testing.T) {
	tests := []struct{ listen, wantHost string }{
		{"127.0.0.1:0", "127.0.0.1"},
		{":0", "127.0.0.1"},
		{"0.0.0.0:0", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			s, err := Listen(tt.listen)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			host, port, _ := net.SplitHostPort(s.DialAddr())
			_, wantPort, _ := net.SplitHostPort(s.Addr().String())
			if host != tt.wantHost || port != wantPort {
				t.Errorf("got %s, want %s:%s", s.DialAddr(), tt.wantHost, wantPort)
			}
			c, err := net.Dial("tcp", s.DialAddr())
			if err != nil {
				t.Fatalf("dial %s: %v", s.DialAddr(), err)
			}
			c.Close()
		})
	}
}

func TestFromFileRefusesANonListener(t *testing.T) {
	s := listen(t)
	c, err := net.Dial("tcp", s.DialAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromFile(f); err == nil {
		t.Errorf("a connected socket was taken as a listener")
	}
}

// TestSharedStaysNonBlocking: a child inheriting the socket leaves it in non-blocking mode, which
// every holder shares.
func TestSharedStaysNonBlocking(t *testing.T) {
	s := listen(t)
	cmd := exec.Command("true")
	cmd.ExtraFiles = []*os.File{s.File()}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	flags, err := unix.FcntlInt(uintptr(fdOf(s.File())), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if flags&unix.O_NONBLOCK == 0 {
		t.Errorf("the socket is in blocking mode after a child inherited it, want non-blocking")
	}
}
