//go:build unix

package proxy

import (
	"testing"
	"time"
)

func TestAlive(t *testing.T) {
	c, s := tcpPair(t)
	if !alive(c) {
		t.Errorf("open connection: got not alive, want alive")
	}
	// An idle connection keeps the read deadline of its last request, passed by now: the peek
	// must look at the socket, not at the deadline.
	c.SetReadDeadline(time.Now().Add(-time.Second))
	if !alive(c) {
		t.Errorf("open connection whose read deadline passed: got not alive, want alive")
	}
	s.Write([]byte("unasked"))
	deadline := time.Now().Add(waitLimit)
	for alive(c) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if alive(c) {
		t.Errorf("connection with bytes nobody asked for: got alive, want not")
	}
}
