package proxy

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/router"
)

// BenchmarkProxyParallel measures small GETs through the proxy from 50 goroutines on keep-alive
// connections, as a load generator drives it; compare with BenchmarkDirectParallel.
func BenchmarkProxyParallel(b *testing.B) {
	p, url := startProxy(b, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(b, "web.1", helloHandler)}))
	benchmarkGetParallel(b, url+"/")
}

// BenchmarkDirectParallel measures the same load straight to the backend.
func BenchmarkDirectParallel(b *testing.B) {
	backend := startBackend(b, "web.1", helloHandler)
	benchmarkGetParallel(b, "http://"+backend.Addr+"/")
}

func benchmarkGetParallel(b *testing.B, url string) {
	c := newClient(b)
	b.ReportAllocs()
	b.SetParallelism(25)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := c.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

// rawAnswer is what the raw backend of BenchmarkProxyRaw answers; with an X-Request-Id of its own
// the proxy passes it on byte for byte.
const rawAnswer = "HTTP/1.1 200 OK\r\nX-Request-Id: bench\r\nContent-Length: 13\r\n\r\nhello, world\n"

// BenchmarkProxyRaw measures the proxy's own cost per request: client and backend are loops over
// raw connections that allocate nothing, so allocs/op are the proxy's.
func BenchmarkProxyRaw(b *testing.B) {
	p, url := startProxy(b, Options{})
	p.Switch(NewPool("v1", []Backend{rawAnswerer(b)}))
	rawRequests(b, url, "bench")
}

// rawAnswerer is a backend that answers rawAnswer to every request, allocating nothing.
func rawAnswerer(b testing.TB) Backend {
	return rawBackend(b, "web.1", func(c net.Conn, br *bufio.Reader) {
		c.SetDeadline(timeZero)
		answer := []byte(rawAnswer)
		for skipHead(br) == nil {
			if _, err := c.Write(answer); err != nil {
				return
			}
		}
	})
}

// rawRequests sends GET / for host to the proxy at url b.N times on one connection, reading each
// answer, and checks the last one.
func rawRequests(b *testing.B, url, host string) {
	c, br := dialRaw(b, url)
	c.SetDeadline(timeZero)
	rawLoop(b, c, br, host)
}

// rawLoop sends keep-alive GETs for host on c for as long as the benchmark runs, reading each
// answer, which must be rawAnswer.
func rawLoop(b *testing.B, c io.Writer, br *bufio.Reader, host string) {
	req := fmt.Appendf(nil, "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n", host)
	buf := make([]byte, len(rawAnswer))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(br, buf); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Equal(buf, []byte(rawAnswer)) {
		b.Fatalf("got %q, want %q", buf, rawAnswer)
	}
}

// BenchmarkProxyRawApps is BenchmarkProxyRaw with the request routed by Host among n apps, each
// with its own site and a path prefix route: compare apps=1 with apps=100, and both with
// BenchmarkProxyRaw (no routing table).
func BenchmarkProxyRawApps(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			backend := rawAnswerer(b)
			p, url := startProxy(b, Options{})
			var routes []router.Route[*Site]
			for i := range n {
				site := p.NewSite(fmt.Sprintf("app-%d", i))
				site.Switch(NewPool("v1", []Backend{backend}))
				host := fmt.Sprintf("app-%d.example.com", i)
				routes = append(routes, router.Route[*Site]{Host: host, Target: site},
					router.Route[*Site]{Host: host, Prefix: "/api", Target: site})
			}
			table, err := router.Build(routes)
			if err != nil {
				b.Fatal(err)
			}
			p.SetRoutes(table)
			rawRequests(b, url, fmt.Sprintf("app-%d.example.com", n/2))
		})
	}
}

// skipHead reads past one request head.
func skipHead(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			return nil
		}
	}
}

// timeZero clears a deadline.
var timeZero time.Time

// BenchmarkProxyRawTLS is BenchmarkProxyRaw over TLS 1.3: compare with it for the cost of TLS on
// the fast path.
func BenchmarkProxyRawTLS(b *testing.B) {
	p, addr, roots := startTLSProxy(b, Options{})
	p.Switch(NewPool("v1", []Backend{rawAnswerer(b)}))
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{alpnHTTP1}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	rawLoop(b, c, bufio.NewReader(c), "example.com")
}

// BenchmarkProxyH2Parallel is BenchmarkProxyParallel over HTTP/2 (TLS 1.3), which the general path
// serves: compare the two for what HTTP/2 costs.
func BenchmarkProxyH2Parallel(b *testing.B) {
	p, addr, roots := startTLSProxy(b, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(b, "web.1", helloHandler)}))
	c := tlsClient(b, roots, true)
	url := "https://" + addr + "/"
	b.ReportAllocs()
	b.SetParallelism(25)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := c.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}
