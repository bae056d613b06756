package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestLargeRequestBodyIsStreamed(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			started := make(chan struct{})
			var got atomic.Int64
			backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n, _ := io.CopyN(io.Discard, r.Body, 1)
				close(started)
				m, err := io.Copy(io.Discard, r.Body)
				got.Store(n + m)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
				}
			})
			p, url := startProxy(t, Options{})
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
			pr, pw := io.Pipe()
			go func() {
				chunk := bytes.Repeat([]byte("x"), 64<<10)
				pw.Write(chunk)
				// The rest comes only once the backend has the start: the proxy must stream.
				select {
				case <-started:
				case <-time.After(waitLimit):
					pw.CloseWithError(errors.New("the backend got nothing before the body was complete"))
					return
				}
				for sent := len(chunk); sent < largeBody; sent += len(chunk) {
					pw.Write(chunk)
				}
				pw.Close()
			}()
			req, _ := http.NewRequest(http.MethodPost, url+"/upload", pr)
			if !chunked {
				req.ContentLength = largeBody
			}
			res, err := newClient(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 || got.Load() != largeBody {
				t.Errorf("got status %d and %d bytes at the backend, want 200 and %d", res.StatusCode, got.Load(), largeBody)
			}
		})
	}
}

func TestEarlyAnswerToAStreamedBody(t *testing.T) {
	// The app answers once it has the head, and closes, as a server refusing an upload does.
	backend := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err == nil {
			io.WriteString(c, "HTTP/1.1 413 Request Entity Too Large\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbig")
		}
	})
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{backend}))
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("the start of a body that never ends"))
	req, _ := http.NewRequest(http.MethodPost, url+"/upload", pr)
	res, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || string(body) != "big" {
		t.Errorf("got %d %q, want 413 big", res.StatusCode, body)
	}
}
