package proxy

import (
	"net"
	"testing"
	"time"
)

// tcpPair returns the two ends of a connection on 127.0.0.1.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}

func newTestUpConn(t *testing.T) (*upConn, net.Conn) {
	c, s := tcpPair(t)
	rw := rawIO(c)
	return &upConn{nc: c, rw: rw, br: newReader(rw), bw: newWriter(rw)}, s
}

func TestUpstreamGetPut(t *testing.T) {
	var u upstream
	now := time.Now()
	if got := u.get(now); got != nil {
		t.Fatalf("get from an empty list: got %p, want nil", got)
	}
	a, _ := newTestUpConn(t)
	b, _ := newTestUpConn(t)
	c, _ := newTestUpConn(t)
	u.put(a, 2, now)
	u.put(b, 2, now)
	u.put(c, 2, now) // over the limit: closed
	if _, err := c.nc.Write([]byte("x")); err == nil {
		t.Errorf("connection put back over the limit: got it open, want it closed")
	}
	if got := u.get(now); got != b {
		t.Errorf("get: got %p, want the last one put back (%p)", got, b)
	}
	if !b.reused {
		t.Errorf("reused: got false for a connection put back, want true")
	}
	u.close()
	if _, err := a.nc.Write([]byte("x")); err == nil {
		t.Errorf("idle connection after close: got it open, want it closed")
	}
	u.put(b, 2, now)
	if got := u.get(now); got != nil {
		t.Errorf("get after close: got %p, want nil", got)
	}
}

func TestUpstreamDropsStaleConnections(t *testing.T) {
	var u upstream
	now := time.Now()
	open, _ := newTestUpConn(t)
	closed, peer := newTestUpConn(t)
	peer.Close() // the backend closed it while idle
	old, _ := newTestUpConn(t)
	u.put(old, 8, now.Add(-2*DefaultBackendIdleTimeout))
	u.put(open, 8, now.Add(-time.Second))
	u.put(closed, 8, now.Add(-time.Second))
	// The peer's FIN needs a moment to arrive; a live connection must never be dropped.
	deadline := time.Now().Add(waitLimit)
	for !(!alive(closed.nc) || time.Now().After(deadline)) {
		time.Sleep(time.Millisecond)
	}
	if got := u.get(now); got != open {
		t.Errorf("get: got %p, want the open connection %p, past the closed one", got, open)
	}
	if got := u.get(now); got != nil {
		t.Errorf("get: got %p, want nil: the last one idled past DefaultBackendIdleTimeout", got)
	}
}

// TestUpstreamKeepsConnectionsPastTheirDeadline is a connection idle past staleCheckAfter whose
// read deadline, kept from its last request, has passed: it is open, and get must give it back
// rather than close it (every quiet app's next request dialled its backend again).
func TestUpstreamKeepsConnectionsPastTheirDeadline(t *testing.T) {
	var u upstream
	now := time.Now()
	uc, _ := newTestUpConn(t)
	uc.setReadBy(now.Add(-time.Second))
	u.put(uc, 8, now.Add(-2*staleCheckAfter))
	if got := u.get(now); got != uc {
		t.Fatalf("get: got %p, want the idle open connection %p", got, uc)
	}
	if _, err := uc.nc.Write([]byte("x")); err != nil {
		t.Errorf("the connection get gave back: %v, want it open", err)
	}
}

func TestUpstreamCloseOld(t *testing.T) {
	var u upstream
	now := time.Now()
	old, _ := newTestUpConn(t)
	fresh, _ := newTestUpConn(t)
	u.put(old, 8, now.Add(-2*DefaultBackendIdleTimeout))
	u.put(fresh, 8, now)
	u.closeOld()
	u.mu.Lock()
	left := append([]*upConn(nil), u.idle...)
	armed := u.armed
	u.mu.Unlock()
	if len(left) != 1 || left[0] != fresh || !armed {
		t.Errorf("got %d left (armed %v), want only the fresh one and the sweep armed again", len(left), armed)
	}
	u.close()
}
