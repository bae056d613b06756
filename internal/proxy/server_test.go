package proxy

import (
	"errors"
	"io"
	"net"
	"testing"
)

func TestConnQueue(t *testing.T) {
	q := newConnQueue()
	c, _ := tcpPair(t)
	go q.push(c)
	if got, err := q.Accept(); got != c || err != nil {
		t.Fatalf("Accept: got %v, %v; want the pushed connection", got, err)
	}
	q.Close()
	q.Close() // twice is fine
	if _, err := q.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: got %v, want net.ErrClosed", err)
	}
	if q.push(c) {
		t.Errorf("push after Close: got true, want false")
	}
}

func TestHandedConnReadsPendingBytesFirst(t *testing.T) {
	c, s := tcpPair(t)
	go func() {
		s.Write([]byte(" world"))
		s.Close()
	}()
	hc := &handedConn{Conn: c, pending: []byte("hello")}
	got, err := io.ReadAll(hc)
	if err != nil || string(got) != "hello world" {
		t.Errorf("got %q, %v; want hello world", got, err)
	}
	if err := hc.CloseWrite(); err != nil {
		t.Errorf("CloseWrite: %v", err)
	}
}
