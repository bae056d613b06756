package sampleapp

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestDrainEndsKeepAliveBetweenRequests: once draining, a client that sends again on its kept-alive
// connection gets its answer with "Connection: close", and only then is the connection closed; new
// connections are no longer accepted.
func TestDrainEndsKeepAliveBetweenRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dr := newDrainer()
	srv := &http.Server{ConnState: dr.connState, Handler: dr.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))}
	go srv.Serve(ln)

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	get := func() *http.Response {
		t.Helper()
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatalf("write: %v", err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("read: got %v, want an answer (a bare close is what draining must avoid)", err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := get(); resp.Close {
		t.Fatalf("before draining: got Connection: close")
	}

	drained := make(chan error, 1)
	go func() { drained <- dr.drain(context.Background(), srv, ln, 10*time.Second) }()
	for !dr.draining.Load() {
		time.Sleep(time.Millisecond)
	}
	resp := get()
	if !resp.Close || resp.StatusCode != 200 {
		t.Errorf("while draining: got %s close=%v, want 200 with Connection: close", resp.Status, resp.Close)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after the last answer: got %v, want the server to close the connection", err)
	}
	if err := <-drained; err != nil {
		t.Errorf("drain: %v", err)
	}
	if c2, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c2.Close()
		t.Errorf("a new connection was accepted after draining began")
	}
}
