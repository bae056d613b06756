package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// get sends a keep-alive GET for path on c and returns the response.
func get(t *testing.T, c net.Conn, br *bufio.Reader, path string) *http.Response {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, _ := readResponse(t, br, http.MethodGet)
	return res
}

func TestRetireEndsConnectionsBetweenRequests(t *testing.T) {
	g := newGated()
	mux := http.NewServeMux()
	mux.Handle("/slow", g)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web", mux)}))

	idle, idleBR := dialRaw(t, url)
	if res := get(t, idle, idleBR, "/"); res.Close {
		t.Fatalf("before Retire: the response says Connection: close")
	}
	busy, busyBR := dialRaw(t, url)
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	<-g.entered
	if got := p.Open(); got != 2 {
		t.Errorf("Open: got %d, want 2", got)
	}

	p.Retire()
	later, laterBR := dialRaw(t, url)

	close(g.release)
	if res, body := readResponse(t, busyBR, http.MethodGet); !res.Close || body != "done" {
		t.Errorf("request in flight at Retire: Close=%v body %q; want its answer with Connection: close", res.Close, body)
	}
	expectClosed(t, busy, busyBR)
	if res := get(t, idle, idleBR, "/"); !res.Close || res.StatusCode != http.StatusOK {
		t.Errorf("idle connection's next request: %d Close=%v; want 200 with Connection: close", res.StatusCode, res.Close)
	}
	expectClosed(t, idle, idleBR)
	if res := get(t, later, laterBR, "/"); res.Close {
		t.Errorf("connection accepted after Retire: its response says Connection: close")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with a connection open: got %v, want the deadline", err)
	}
	later.Close()
	ctx, cancel = context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Errorf("Wait once every connection closed: %v", err)
	}
}

// TestRetireAll: after RetireAll, a connection accepted later ends after its first response too.
func TestRetireAll(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web", echoHandler("web"))}))
	p.RetireAll()
	later, laterBR := dialRaw(t, url)
	if res := get(t, later, laterBR, "/"); !res.Close || res.StatusCode != http.StatusOK {
		t.Fatalf("connection accepted after RetireAll: %d Close=%v; want 200 with Connection: close", res.StatusCode, res.Close)
	}
	expectClosed(t, later, laterBR)
}

func TestRetireEndsGeneralPathConnections(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web", echoHandler("web"))}))
	c, br := dialRaw(t, url)
	// Expect: 100-continue hands the connection to the general path for good.
	io.WriteString(c, "PUT /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	if res, _ := readResponse(t, br, http.MethodPut); res.StatusCode != http.StatusContinue {
		t.Fatalf("got %d, want 100 Continue", res.StatusCode)
	}
	io.WriteString(c, "hello")
	if res, _ := readResponse(t, br, http.MethodPut); res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("got %d Close=%v, want 200 keep-alive", res.StatusCode, res.Close)
	}
	if got := p.Open(); got != 1 {
		t.Errorf("Open with one handed-over connection: got %d, want 1", got)
	}
	p.Retire()
	if res := get(t, c, br, "/"); !res.Close || res.StatusCode != http.StatusOK {
		t.Errorf("after Retire: %d Close=%v; want 200 with Connection: close", res.StatusCode, res.Close)
	}
	expectClosed(t, c, br)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Errorf("Wait: %v", err)
	}
}
