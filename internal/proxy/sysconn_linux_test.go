//go:build linux

package proxy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

func TestSysConnReadWrite(t *testing.T) {
	c, s := tcpPair(t)
	sc, ok := rawIO(c).(*sysConn)
	if !ok {
		t.Fatalf("rawIO of a TCP connection: got %T, want *sysConn", rawIO(c))
	}
	if _, err := sc.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("peer got %q, %v; want ping", buf, err)
	}
	go s.Write([]byte("pong"))
	if n, err := sc.Read(buf); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("got %q, %v; want pong", buf[:n], err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := sc.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past the deadline: got %v, want os.ErrDeadlineExceeded", err)
	}
	c.SetReadDeadline(time.Time{})
	s.Close()
	if _, err := sc.Read(buf); err != io.EOF {
		t.Errorf("read after the peer closed: got %v, want io.EOF", err)
	}
}

func TestSysConnSendRecv(t *testing.T) {
	tests := []struct {
		name     string
		size     int       // bytes sent
		deadline time.Time // read deadline set before
	}{
		{"small", 100, time.Time{}},
		{"larger than the socket buffers", 8 << 20, time.Time{}},
		{"deadline passed already", 100, aLongTimeAgo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := tcpPair(t)
			sc := rawIO(c).(*sysConn)
			go func() {
				// The peer answers once it has everything: the request must go out whole.
				io.CopyN(io.Discard, s, int64(tt.size))
				s.Write([]byte("answer"))
			}()
			c.SetReadDeadline(tt.deadline)
			buf := make([]byte, 64)
			n, err := sc.sendRecv(bytes.Repeat([]byte("q"), tt.size), buf)
			if !tt.deadline.IsZero() {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("got %q, %v; want os.ErrDeadlineExceeded", buf[:n], err)
				}
				c.SetReadDeadline(time.Time{})
				n, err = sc.Read(buf)
			}
			if err != nil || string(buf[:n]) != "answer" {
				t.Errorf("got %q, %v; want answer", buf[:n], err)
			}
		})
	}
}

func TestSysConnSendRecvToAClosedPeer(t *testing.T) {
	c, s := tcpPair(t)
	sc := rawIO(c).(*sysConn)
	s.Close()
	var err error
	deadline := time.Now().Add(waitLimit)
	for err == nil && time.Now().Before(deadline) {
		_, err = sc.sendRecv([]byte("GET / HTTP/1.1\r\n\r\n"), make([]byte, 64))
	}
	if err == nil {
		t.Errorf("got no error sending to a closed peer, want one")
	}
}
