package h2

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// serve starts srv on a loopback listener, serving each connection with ServeConn, and returns
// its address. Everything stops at the end of the test.
func serve(t testing.TB, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { srv.ServeConn(context.Background(), nc) })
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		srv.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// client returns an HTTP/2 client (x/net's Transport, prior knowledge over plain TCP) for addr.
func client(t *testing.T) *http.Client {
	t.Helper()
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

// raw is a client that writes and reads frames itself, to send what a well-behaved client would
// not.
type raw struct {
	t   testing.TB
	nc  net.Conn
	fr  *http2.Framer
	enc *hpack.Encoder
	buf bytes.Buffer
}

// dial connects to addr and sends the preface and an empty SETTINGS.
func dial(t testing.TB, addr string) *raw {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	r := &raw{t: t, nc: nc}
	r.fr = http2.NewFramer(nc, nc)
	r.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	r.enc = hpack.NewEncoder(&r.buf)
	if _, err := io.WriteString(nc, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	if err := r.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return r
}

// block encodes fields (name, value pairs) as a header block.
func (r *raw) block(fields ...string) []byte {
	r.buf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		r.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return bytes.Clone(r.buf.Bytes())
}

// get is the pseudo-header fields of a GET of path.
func get(path string) []string {
	return []string{":method", "GET", ":scheme", "https", ":authority", "example.test", ":path", path}
}

// post is the pseudo-header fields of a POST of path.
func post(path string) []string {
	return []string{":method", "POST", ":scheme", "https", ":authority", "example.test", ":path", path}
}

// headers opens stream id with fields.
func (r *raw) headers(id uint32, end bool, fields ...string) {
	r.t.Helper()
	err := r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: r.block(fields...), EndStream: end, EndHeaders: true})
	if err != nil {
		r.t.Fatal(err)
	}
}

// until reads frames until match accepts one, and returns it; it fails the test if the connection
// ends or 10 s pass first.
func (r *raw) until(what string, match func(http2.Frame) bool) http2.Frame {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		f, err := r.fr.ReadFrame()
		if err != nil {
			r.t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
	}
}

// goAway waits for GOAWAY and returns its code.
func (r *raw) goAway() http2.ErrCode {
	r.t.Helper()
	f := r.until("GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok })
	return f.(*http2.GoAwayFrame).ErrCode
}

// reset waits for RST_STREAM on stream id and returns its code.
func (r *raw) reset(id uint32) http2.ErrCode {
	r.t.Helper()
	f := r.until("RST_STREAM", func(f http2.Frame) bool {
		rst, ok := f.(*http2.RSTStreamFrame)
		return ok && rst.StreamID == id
	})
	return f.(*http2.RSTStreamFrame).ErrCode
}

// response waits for the response HEADERS on stream id and returns its fields.
func (r *raw) response(id uint32) map[string]string {
	r.t.Helper()
	f := r.until("response HEADERS", func(f http2.Frame) bool {
		h, ok := f.(*http2.MetaHeadersFrame)
		return ok && h.StreamID == id
	})
	fields := map[string]string{}
	for _, hf := range f.(*http2.MetaHeadersFrame).Fields {
		fields[hf.Name] = hf.Value
	}
	return fields
}

// closed waits for the server to close the connection.
func (r *raw) closed() {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := r.fr.ReadFrame(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				r.t.Fatal("the server did not close the connection")
			}
			return
		}
	}
}

// hello answers "hello".
var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
