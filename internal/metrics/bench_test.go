package metrics_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// answer is what the benchmark's backend answers to every request.
const answer = "HTTP/1.1 200 OK\r\nX-Request-Id: bench\r\nContent-Length: 13\r\n\r\nhello, world\n"

// BenchmarkProxyMetrics measures small GETs through a real proxy on keep-alive connections, with the
// request hook an app has when metrics are off (a nil *metrics.App) and on: run both in one
// `go test -bench ProxyMetrics -count N` and compare their ns/op for the metrics' cost on the
// request path.
func BenchmarkProxyMetrics(b *testing.B) {
	for _, conns := range []int{1, 4} {
		for _, on := range []bool{false, true} {
			name := fmt.Sprintf("conns=%d/metrics=off", conns)
			if on {
				name = fmt.Sprintf("conns=%d/metrics=on", conns)
			}
			b.Run(name, func(b *testing.B) {
				var app *metrics.App
				if on {
					app = metrics.New(metrics.Options{}).App("bench")
				}
				addr := startProxy(b, app)
				runRequests(b, addr, conns)
			})
		}
	}
}

// startProxy starts a proxy on 127.0.0.1:0 in front of a backend that answers answer, with app
// seeing every request as an app's observe hook does, and returns its address.
func startProxy(b *testing.B, app *metrics.App) string {
	backend := startBackend(b)
	p := proxy.New(proxy.Options{Logger: slog.New(slog.DiscardHandler), Observe: func(r proxy.Result) { app.Observe(r) }})
	p.Switch(proxy.NewPool("v1", []proxy.Backend{{Addr: backend, Name: "web.1"}}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go p.Serve(ln)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// startBackend serves answer to every request head it reads, allocating nothing per request.
func startBackend(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br, out := bufio.NewReader(c), []byte(answer)
				for {
					for { // one request head
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// runRequests sends keep-alive GETs to the proxy at addr on conns connections at once, b.N in all,
// each answer read and the last checked.
func runRequests(b *testing.B, addr string, conns int) {
	req := []byte("GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	clients := make([]net.Conn, conns)
	for i := range clients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		clients[i] = c
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range clients {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Go(func() {
			br, buf := bufio.NewReader(c), make([]byte, len(answer))
			for range n {
				if _, err := c.Write(req); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(br, buf); err != nil {
					b.Error(err)
					return
				}
			}
			if n > 0 && !bytes.Equal(buf, []byte(answer)) {
				b.Errorf("got %q, want %q", buf, answer)
			}
		})
	}
	wg.Wait()
}
