package proxy

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestHTTP2TrickleReaderIsCut: a client that opens its stream's window a byte at a time, each well
// within SendTimeout, keeps every wait of package h2's server short; SendTimeout bounds one write
// to the client as a whole, so the stream is cut soon after SendTimeout all the same, and the
// app's connection let go. (Found by a review: skipping the proxy's send stall on h2 streams left
// the trickle unbounded.)
func TestHTTP2TrickleReaderIsCut(t *testing.T) {
	const sendTimeout = 400 * time.Millisecond
	p, addr, roots := startTLSProxy(t, Options{SendTimeout: sendTimeout})
	body := strings.Repeat("x", 256<<10)
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))}))
	tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, err := io.WriteString(tc, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(tc, nil) // writes; the goroutine below has a framer of its own to read
	fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":path", "/trickle"}, {":authority", "example.com"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})

	// Each frame as its type and length: a frame the Framer read is invalid after its next read.
	type frame struct {
		typ http2.FrameType
		n   int
	}
	frames := make(chan frame, 64)
	go func() {
		defer close(frames)
		rf := http2.NewFramer(nil, tc)
		for {
			f, err := rf.ReadFrame()
			if err != nil {
				return
			}
			frames <- frame{f.Header().Type, int(f.Header().Length)}
		}
	}()
	deadline := time.After(6 * sendTimeout)
	tick := time.NewTicker(sendTimeout / 2) // each wait of the server well within its bound
	defer tick.Stop()
	got := 0
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return // the connection ended: cut all the same
			}
			switch f.typ {
			case http2.FrameRSTStream, http2.FrameGoAway:
				return
			case http2.FrameData:
				got += f.n
			}
		case <-tick.C:
			fr.WriteWindowUpdate(1, 1)
		case <-deadline:
			t.Fatalf("after %v (SendTimeout %v) the stream still sends, %d bytes so far, one a window update: a client that trickles its window holds the handler and the app's connection without bound", 6*sendTimeout, sendTimeout, got)
		}
	}
}
