package h2

import (
	"io"
	"net/http"
	"testing"

	"golang.org/x/net/http2"
)

// BenchmarkServe: one request after another on one connection, from a raw client that costs
// little itself, to a handler that answers a short body: the server's cost per request (allocs/op
// are mostly the server's).
func BenchmarkServe(b *testing.B) {
	r := dial(b, serve(b, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello, world")
	})}))
	block := r.block(append(get("/"), "user-agent", "bench", "accept", "*/*")...)
	r.fr.WriteWindowUpdate(0, maxWindow-initialWindow)
	var received uint32
	id := uint32(1)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true}); err != nil {
			b.Fatal(err)
		}
		for {
			f, err := r.fr.ReadFrame()
			if err != nil {
				b.Fatal(err)
			}
			if d, ok := f.(*http2.DataFrame); ok {
				received += d.Length
			}
			if f.Header().StreamID == id && f.Header().Flags.Has(http2.FlagDataEndStream) {
				break
			}
		}
		if received > 1<<20 {
			r.fr.WriteWindowUpdate(0, received)
			received = 0
		}
		id += 2
	}
}
