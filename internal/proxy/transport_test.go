package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

func TestRetryOnRefusedConnection(t *testing.T) {
	var wrong atomic.Int64
	observe := func(r Result) {
		if r.Backend != "web.2" || r.Status != http.StatusOK || r.Err != nil {
			wrong.Add(1)
		}
	}
	p, url := startProxy(t, Options{Observe: observe})
	p.Switch(NewPool("v1", []Backend{deadBackend(t, "web.1"), startBackend(t, "web.2", echoHandler("web.2"))}))
	c := newClient(t)
	for _, method := range []string{http.MethodPost, http.MethodPost, http.MethodDelete} {
		req, _ := http.NewRequest(method, url+"/orders", strings.NewReader("an order"))
		e := doEcho(t, c, req)
		if e.Backend != "web.2" || e.Body != "an order" || e.Method != method {
			t.Errorf("%s: got backend %s, method %s, body %q; want web.2, %s, %q", method, e.Backend, e.Method, e.Body, method, "an order")
		}
	}
	if n := wrong.Load(); n != 0 {
		t.Errorf("got %d results not from web.2 with 200 and no error, want 0", n)
	}
}

func TestNoRetryOnceTheAppSawTheRequest(t *testing.T) {
	var hits atomic.Int64
	hangUp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // the app died mid-request
		}
	})
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", hangUp), startBackend(t, "web.2", hangUp)}))
	res, err := newClient(t).Post(url+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Errorf("got status %d, want 502", res.StatusCode)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("backends got the request %d times, want 1", n)
	}
}

func TestIsDialError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		err  error
		want bool
	}{
		{refused, true},
		{fmt.Errorf("wrapped: %w", refused), true},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false},
		{errors.New("dial tcp: lookalike"), false},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			if got := isDialError(tt.err); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBufferPool(t *testing.T) {
	var bp bufferPool
	b := bp.Get()
	if len(b) != bufferSize {
		t.Fatalf("got buffer of %d bytes, want %d", len(b), bufferSize)
	}
	bp.Put(b[:10])
	bp.Put(make([]byte, 10)) // foreign sizes are dropped
	if got := bp.Get(); len(got) != bufferSize {
		t.Errorf("got buffer of %d bytes after Put, want %d", len(got), bufferSize)
	}
}
