package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// largeBody is larger than every buffer on the way, socket buffers included, so a proxy that held
// a body whole could not pass these tests.
const largeBody = 16 << 20

func TestLargeResponseBodyIsStreamed(t *testing.T) {
	for _, length := range []bool{true, false} {
		t.Run(fmt.Sprintf("Content-Length=%v", length), func(t *testing.T) {
			received := make(chan struct{})
			backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if length {
					w.Header().Set("Content-Length", fmt.Sprint(largeBody))
				}
				chunk := bytes.Repeat([]byte("y"), 64<<10)
				w.Write(chunk)
				http.NewResponseController(w).Flush()
				select {
				case <-received: // the client has the start before the backend writes the rest
				case <-r.Context().Done():
					return
				}
				for sent := len(chunk); sent < largeBody; sent += len(chunk) {
					w.Write(chunk)
				}
			})
			p, url := startProxy(t, Options{})
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
			res, err := newClient(t).Get(url + "/download")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if _, err := io.ReadFull(res.Body, make([]byte, 1)); err != nil {
				t.Fatal(err)
			}
			close(received)
			n, err := io.Copy(io.Discard, res.Body)
			if err != nil || n+1 != largeBody {
				t.Errorf("got %d bytes, %v; want %d", n+1, err, largeBody)
			}
		})
	}
}

func TestStreamedResponsesAreFlushedAtOnce(t *testing.T) {
	for _, ct := range []string{"text/event-stream", "application/x-ndjson"} {
		t.Run(ct, func(t *testing.T) {
			next := make(chan struct{})
			backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct)
				io.WriteString(w, "one\n")
				http.NewResponseController(w).Flush()
				select {
				case <-next:
					io.WriteString(w, "two\n")
				case <-r.Context().Done():
				}
			})
			p, url := startProxy(t, Options{})
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
			res, err := newClient(t).Get(url + "/stream")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			br := bufio.NewReader(res.Body)
			if line, err := br.ReadString('\n'); line != "one\n" {
				t.Fatalf("got %q, %v; want the first line before the response ends", line, err)
			}
			close(next)
			if rest, err := io.ReadAll(br); string(rest) != "two\n" || err != nil {
				t.Errorf("got %q, %v; want %q", rest, err, "two\n")
			}
		})
	}
}

func TestStaleKeepAliveConnectionIsReplaced(t *testing.T) {
	// The backend closes each connection after answering, without saying so, as an app server
	// whose keep-alive timeout passed does.
	var served atomic.Int64
	backend := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err == nil {
			served.Add(1)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{backend}))
	c := newClient(t)
	for i := range 5 {
		res, err := c.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("GET %d: got %d %q, want 200 ok", i, res.StatusCode, body)
		}
	}
	if n := served.Load(); n != 5 {
		t.Errorf("backend served %d requests, want 5: one each", n)
	}
}

func TestClientLeavingCancelsTheBackendRequest(t *testing.T) {
	entered, cancelled := make(chan struct{}), make(chan struct{})
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
		close(cancelled)
	})
	var seen refusals
	p, url := startProxy(t, Options{Observe: seen.observe})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
	c, _ := dialRaw(t, url)
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	<-entered
	c.Close()
	select {
	case <-cancelled:
	case <-time.After(waitLimit):
		t.Fatal("the backend's request was not cancelled after the client left")
	}
	if got := seen.wait(t, 1); len(got) != 1 || got[0].Status != StatusClientClosedRequest || !errors.Is(got[0].Err, ErrClientGone) {
		t.Errorf("observed %+v, want one 499 with ErrClientGone", got)
	}
}

func TestGeneralPathTakesOverMidConnection(t *testing.T) {
	echo := echoHandler("web.1")
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" {
			upgradeEcho(w, r)
			return
		}
		echo.ServeHTTP(w, r)
	})
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
	c, br := dialRaw(t, url)
	// A plain request for the fast path with an upgrade pipelined behind it: the connection is
	// handed over with the upgrade's bytes, read already.
	io.WriteString(c, "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n"+
		"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != 200 || !strings.Contains(body, `"Method":"GET"`) {
		t.Fatalf("got %d %s, want the echo of /plain", res.StatusCode, body)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("got %v, %v; want 101", res, err)
	}
	echoOnce(t, c, br, "hello")
	echoOnce(t, c, br, "and more")
}

func TestExpectContinue(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	c, br := dialRaw(t, url)
	io.WriteString(c, "PUT /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusContinue {
		t.Fatalf("got %v, %v; want 100 Continue before the body is sent", res, err)
	}
	io.WriteString(c, "hello")
	res, body := readResponse(t, br, http.MethodPut)
	for res.StatusCode == http.StatusContinue { // the backend's own 100 may be passed on too
		res, body = readResponse(t, br, http.MethodPut)
	}
	if res.StatusCode != 200 || !strings.Contains(body, `"Body":"hello"`) {
		t.Errorf("got %d %s, want 200 with the body echoed", res.StatusCode, body)
	}
	// The connection goes on, on the general path.
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if res, _ := readResponse(t, br, http.MethodGet); res.StatusCode != 200 {
		t.Errorf("next request: got %d, want 200", res.StatusCode)
	}
}

func TestShutdownWaitsForFastPathRequests(t *testing.T) {
	g := newGated()
	p := New(Options{Logger: slog.New(slog.DiscardHandler)})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", g)}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	raw, rawBR := dialRaw(t, url)
	io.WriteString(raw, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	<-g.entered
	answered := make(chan string, 1)
	go func() {
		res, err := newClient(t).Get(url + "/slow")
		if err != nil {
			answered <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		answered <- string(b)
	}()
	<-g.entered
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		shut <- p.Shutdown(ctx)
	}()
	close(g.release)
	if got := <-answered; got != "done" {
		t.Errorf("request in flight at shutdown: got %q, want done", got)
	}
	if _, body := readResponse(t, rawBR, http.MethodGet); body != "done" {
		t.Errorf("first request: got %q, want done", body)
	}
	expectClosed(t, raw, rawBR)
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: got %v, want http.ErrServerClosed", err)
	}
}

func TestServeAgainAfterTheListenerClosed(t *testing.T) {
	p, _ := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- p.Serve(ln) }()
		if e := getEcho(t, newClient(t), "http://"+ln.Addr().String()+"/"); e.Backend != "web.1" {
			t.Errorf("got backend %q, want web.1", e.Backend)
		}
		ln.Close()
		if err := <-served; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve after its listener closed: got %v, want net.ErrClosed", err)
		}
	}
}
