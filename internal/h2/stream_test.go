package h2

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestReadDeadline: a body read past the read deadline fails with os.ErrDeadlineExceeded; what
// arrived before is read first.
func TestReadDeadline(t *testing.T) {
	got := make(chan error, 1)
	r := dial(t, serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		b, err := io.ReadAll(req.Body)
		if string(b) != "early" {
			err = errors.New("read " + string(b) + ", want early")
		}
		got <- err
	})}))
	r.headers(1, false, get("/")...)
	r.fr.WriteData(1, false, []byte("early")) // and never the rest
	if err := <-got; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("got %v, want os.ErrDeadlineExceeded", err)
	}
}

// TestWriteDeadline: a write deadline that passes cuts the stream: RST_STREAM to the client, the
// handler's writes fail and its context ends.
func TestWriteDeadline(t *testing.T) {
	ended := make(chan error, 1)
	r := dial(t, serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		for {
			if _, err := w.Write(make([]byte, 32<<10)); err != nil {
				ended <- req.Context().Err()
				return
			}
		}
	})}))
	r.headers(1, true, get("/")...) // the client never opens its window past 64 KiB
	if got := r.reset(1); got != http2.ErrCodeInternal {
		t.Errorf("got RST_STREAM %v, want INTERNAL_ERROR", got)
	}
	if err := <-ended; err == nil {
		t.Error("the handler's context is live after the cut")
	}
}

// TestWindowWait: a response the client opens no window for is cut after WriteTimeout.
func TestWindowWait(t *testing.T) {
	r := dial(t, serve(t, &Server{WriteTimeout: 100 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Write(make([]byte, 100<<10))
	})}))
	r.headers(1, true, get("/")...)
	if got := r.reset(1); got != http2.ErrCodeInternal {
		t.Errorf("got RST_STREAM %v, want INTERNAL_ERROR", got)
	}
}

// TestContinue: a client that expects 100-continue gets it when the handler first reads the body,
// not before.
func TestContinue(t *testing.T) {
	read := make(chan struct{})
	r := dial(t, serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		<-read
		b, _ := io.ReadAll(req.Body)
		w.Write(b)
	})}))
	r.headers(1, false, append(get("/"), "expect", "100-continue")...)
	close(read)
	if fields := r.response(1); fields[":status"] != "100" {
		t.Fatalf("got %v, want 100 first", fields)
	}
	r.fr.WriteData(1, true, []byte("body"))
	if fields := r.response(1); fields[":status"] != "200" {
		t.Errorf("got %v, want 200", fields)
	}
}

// TestUnreadBodyGivesWindowBack: bodies a handler never reads go back to the connection's window,
// so a later upload on the same connection is not starved.
func TestUnreadBodyGivesWindowBack(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/read" {
			io.Copy(io.Discard, req.Body)
		}
		io.WriteString(w, "ok")
	})})
	c := client(t)
	body := make([]byte, 600<<10)
	for _, path := range []string{"/ignore", "/ignore", "/read"} {
		res, err := c.Post("http://"+addr+path, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}
