package h2

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Regression tests for what a hostile probe and a review of this server found (2026-12-06).

// streamFrames reads every frame until the server closes the connection (it does at IdleTimeout,
// once every handler has returned, so nothing is left to come), and returns each stream's frames.
func (r *raw) streamFrames() map[uint32][]string {
	r.t.Helper()
	frames := map[uint32][]string{}
	r.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		f, err := r.fr.ReadFrame()
		if err != nil {
			return frames
		}
		id := f.Header().StreamID
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			frames[id] = append(frames[id], fmt.Sprintf("HEADERS end=%v", f.StreamEnded()))
		case *http2.DataFrame:
			frames[id] = append(frames[id], fmt.Sprintf("DATA end=%v", f.StreamEnded()))
		case *http2.RSTStreamFrame:
			frames[id] = append(frames[id], "RST "+f.ErrCode.String())
		}
	}
}

// TestTrailersAreTheReadersToSet: trailers arriving while the handler reads req.Trailer are set in
// it by the body's reader at the end of the body, not by the read loop: under -race the read
// loop's write raced the handler (and without it, crashed the process).
func TestTrailersAreTheReadersToSet(t *testing.T) {
	got := make(chan string, 50)
	r := dial(t, serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		for range 100 {
			for range req.Trailer { // as httputil.ReverseProxy's Clone does
			}
		}
		io.ReadAll(req.Body)
		got <- req.Trailer.Get("X-T")
	})}))
	for id := uint32(1); id < 100; id += 2 {
		r.headers(id, false, append(post("/"), "trailer", "x-t")...)
		r.headers(id, true, "x-t", "v")
	}
	for range 50 {
		if v := <-got; v != "v" {
			t.Errorf("got trailer %q, want v", v)
		}
	}
}

// TestNothingAfterReset: once a stream is reset, by the client or by the server, no frame of it
// goes out: not the default 200 of a handler that returns, nor an empty DATA ending it.
func TestNothingAfterReset(t *testing.T) {
	r := dial(t, serve(t, &Server{IdleTimeout: 300 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		<-req.Context().Done()
	})}))
	r.headers(1, true, get("/")...)
	r.fr.WriteRSTStream(1, http2.ErrCodeCancel)
	r.headers(3, false, append(post("/"), "content-length", "1")...)
	r.fr.WriteData(3, true, []byte("too long")) // the server resets it
	frames := r.streamFrames()
	if got := frames[1]; len(got) != 0 {
		t.Errorf("stream the client reset: got %v, want nothing", got)
	}
	if got := strings.Join(frames[3], " | "); got != "RST PROTOCOL_ERROR" {
		t.Errorf("stream the server reset: got %s, want its RST alone", got)
	}
}

// TestCutNeverLooksComplete: a response cut for want of a flow-control window is reset, and never
// ends with END_STREAM as if whole (a race between the cut and the handler's return let 1 in 100
// through).
func TestCutNeverLooksComplete(t *testing.T) {
	r := dial(t, serve(t, &Server{WriteTimeout: 100 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			w.Write(make([]byte, 100<<10)) // past the client's 64 KiB windows, no Content-Length
		})}))
	r.fr.WriteWindowUpdate(0, maxWindow-initialWindow) // the connection's window is no limit
	for id := uint32(1); id < 200; id += 2 {
		r.headers(id, true, get("/")...)
	}
	frames := r.streamFrames()
	for id := uint32(1); id < 200; id += 2 {
		got := strings.Join(frames[id], " | ")
		if strings.Contains(got, "end=true") || !strings.HasSuffix(got, "RST INTERNAL_ERROR") {
			t.Errorf("stream %d: got %s, want it reset, never ended", id, got)
		}
	}
}

// TestRefusedDataGivesWindowBack: DATA frames refused with a stream error still count against the
// connection's window (RFC 9113, 6.9), so the connection gives them back: 70 bodies longer than
// their Content-Length used to leave no window for the next upload.
func TestRefusedDataGivesWindowBack(t *testing.T) {
	r := dial(t, serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		fmt.Fprintf(w, "read %d", len(b))
	})}))
	id := uint32(1)
	for range 70 { // 70 × 16 KiB: more than the connection's 1 MiB
		r.headers(id, false, append(post("/"), "content-length", "1")...)
		r.fr.WriteData(id, true, make([]byte, 16<<10))
		id += 2
	}
	r.headers(id, false, post("/")...)
	r.fr.WriteData(id, true, make([]byte, 1000))
	if fields := r.response(id); fields[":status"] != "200" {
		t.Errorf("got %v, want the upload after them served", fields)
	}
}

// TestNoContinueAfterTheResponse: a handler that answers before it reads the body of a client
// that expects 100-continue sends no 100 after its final status.
func TestNoContinueAfterTheResponse(t *testing.T) {
	r := dial(t, serve(t, &Server{IdleTimeout: 300 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.(http.Flusher).Flush()
		io.ReadAll(req.Body)
	})}))
	r.headers(1, false, append(post("/"), "expect", "100-continue")...)
	if fields := r.response(1); fields[":status"] != "202" {
		t.Fatalf("got %v first, want 202", fields)
	}
	r.fr.WriteData(1, true, []byte("body"))
	if got := strings.Join(r.streamFrames()[1], " | "); got != "DATA end=true" {
		t.Errorf("after the 202: got %s, want the end alone", got)
	}
}

// TestFramesOnAResetStreamIgnored: trailers and DATA a client sends on a stream the server reset
// before it knew are ignored (RFC 9113, 5.1), not a connection error.
func TestFramesOnAResetStreamIgnored(t *testing.T) {
	r := dial(t, serve(t, &Server{Handler: echo}))
	r.headers(1, false, append(post("/"), "content-length", "1")...)
	r.fr.WriteData(1, false, []byte("too long"))
	if got := r.reset(1); got != http2.ErrCodeProtocol {
		t.Fatalf("got RST_STREAM %v, want PROTOCOL_ERROR", got)
	}
	r.fr.WriteData(1, false, []byte("more"))
	r.headers(1, true, "x-t", "v")
	r.headers(3, true, get("/")...)
	if fields := r.response(3); fields[":status"] != "200" {
		t.Errorf("got %v, want the connection serving on", fields)
	}
}

// TestManyResetsConcurrently: streams reset by the client while their handlers write leave the
// connection serving (run under -race).
func TestManyResetsConcurrently(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		for range 10 {
			if _, err := w.Write(make([]byte, 8<<10)); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})})
	r := dial(t, addr)
	for id := uint32(1); id < 200; id += 2 {
		r.headers(id, true, get("/")...)
		if id%4 == 1 {
			r.fr.WriteRSTStream(id, http2.ErrCodeCancel)
		}
	}
	r.fr.WriteWindowUpdate(0, maxWindow-initialWindow)
	r.fr.WritePing(false, [8]byte{7})
	r.until("the PING's ack", func(f http2.Frame) bool { p, ok := f.(*http2.PingFrame); return ok && p.IsAck() })
}

// The review's findings.
// connection takes no more DATA.
func TestUnreadBodyWindowLeak(t *testing.T) {
	r := dial(t, serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		time.Sleep(50 * time.Millisecond) // the whole body arrives before the handler returns
		io.WriteString(w, "no thanks")    // e.g. a 401/413/redirect page, body never read
	})}))
	id := uint32(1)
	for i := range 20 { // 20 × 64 KiB = 1.25 MiB > the connection's 1 MiB
		r.headers(id, false, post("/")...)
		for k := range 4 {
			if err := r.fr.WriteData(id, k == 3, make([]byte, 16<<10)); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			f, err := r.fr.ReadFrame()
			if err != nil {
				t.Fatalf("request %d (%d KiB sent in all): %v", i, (i+1)*64, err)
			}
			if ga, ok := f.(*http2.GoAwayFrame); ok {
				t.Fatalf("request %d (%d KiB sent in all): GOAWAY %v — the connection's window was never given back", i, (i+1)*64, ga.ErrCode)
			}
			if h, ok := f.(*http2.MetaHeadersFrame); ok && h.StreamID == id {
				break
			}
		}
		id += 2
	}
}

// TestShutdownDuringPreface: Shutdown while a connection is still in its preface sends
// GOAWAY before the server's SETTINGS, and the linger deadline it sets is cleared by preface():
// the connection is then never closed by the server, and Shutdown waits out its ctx.
func TestShutdownDuringPreface(t *testing.T) {
	srv := &Server{Handler: hello, IdleTimeout: 500 * time.Millisecond}
	addr := serve(t, srv)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	io.WriteString(nc, http2.ClientPreface[:10])
	for srv.Open() == 0 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	time.Sleep(100 * time.Millisecond)
	io.WriteString(nc, http2.ClientPreface[10:])
	fr := http2.NewFramer(nc, nc)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.WriteSettings()
	nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	first := true
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Errorf("the server did not close the connection 3 s after GOAWAY (linger is 1 s)")
			}
			break
		}
		if first {
			if _, ok := f.(*http2.SettingsFrame); !ok {
				t.Errorf("first frame from the server: %v, want SETTINGS (RFC 9113, 3.4)", f.Header().Type)
			}
			first = false
		}
		if _, ok := f.(*http2.SettingsFrame); ok && !f.(*http2.SettingsFrame).IsAck() {
			fr.WriteSettingsAck()
		}
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestReservedWindowLost: bytes of the connection's send window a response reserved are lost
// TestTrailersAfterStreamError: trailers the client sent before it read the server's
// RST_STREAM for a stream error (here a body past its Content-Length) end the whole connection:
// resetID does not note the stream as reset when it was open, so its trailers look like HEADERS
// reopening a closed stream (PROTOCOL_ERROR on the connection).
func TestTrailersAfterStreamError(t *testing.T) {
	r := dial(t, serve(t, &Server{Handler: echo}))
	r.headers(1, false, append(post("/"), "content-length", "1", "trailer", "x-t")...)
	r.fr.WriteData(1, false, []byte("too long"))
	r.headers(1, true, "x-t", "v") // in flight when the server resets stream 1
	r.headers(3, true, get("/")...)
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := r.fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		switch f := f.(type) {
		case *http2.GoAwayFrame:
			t.Fatalf("GOAWAY %v: the connection ended for trailers of a stream the server reset", f.ErrCode)
		case *http2.MetaHeadersFrame:
			if f.StreamID == 3 {
				return
			}
		}
	}
}
