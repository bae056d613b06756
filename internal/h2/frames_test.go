package h2

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestProtocolErrors: what RFC 9113 calls a connection error gets GOAWAY with its code; a stream
// error, RST_STREAM on that stream, the connection serving on.
func TestProtocolErrors(t *testing.T) {
	block := func(ms time.Duration) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { time.Sleep(ms) }
	}
	for _, tt := range []struct {
		name string
		send func(r *raw)
		conn http2.ErrCode // want GOAWAY with it, when stream is 0
		// stream and code: want RST_STREAM on stream with code
		stream uint32
		code   http2.ErrCode
	}{
		{name: "even stream id", send: func(r *raw) { r.headers(2, true, get("/")...) }, conn: http2.ErrCodeProtocol},
		{name: "stream id going down", send: func(r *raw) {
			r.headers(5, true, get("/")...)
			r.headers(3, true, get("/")...)
		}, conn: http2.ErrCodeProtocol},
		{name: "DATA on an idle stream", send: func(r *raw) { r.fr.WriteData(7, true, []byte("x")) }, conn: http2.ErrCodeProtocol},
		{name: "DATA past the stream's window", send: func(r *raw) {
			r.headers(1, false, append(get("/"), "content-length", "2000000")...)
			chunk := make([]byte, 16<<10)
			for range connWindow/len(chunk) + 1 {
				r.fr.WriteData(1, false, chunk)
			}
		}, stream: 1, code: http2.ErrCodeFlowControl},
		{name: "connection window past 2^31-1", send: func(r *raw) {
			r.fr.WriteWindowUpdate(0, maxWindow)
		}, conn: http2.ErrCodeFlowControl},
		{name: "stream window past 2^31-1", send: func(r *raw) {
			r.headers(1, true, get("/")...)
			r.fr.WriteWindowUpdate(1, maxWindow)
		}, stream: 1, code: http2.ErrCodeFlowControl},
		{name: "WINDOW_UPDATE on an idle stream", send: func(r *raw) { r.fr.WriteWindowUpdate(9, 1) }, conn: http2.ErrCodeProtocol},
		{name: "RST_STREAM on an idle stream", send: func(r *raw) { r.fr.WriteRSTStream(9, http2.ErrCodeCancel) }, conn: http2.ErrCodeProtocol},
		{name: "PUSH_PROMISE from a client", send: func(r *raw) {
			r.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: r.block(get("/")...), EndHeaders: true})
		}, conn: http2.ErrCodeProtocol},
		{name: "bad SETTINGS value", send: func(r *raw) {
			r.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 100})
		}, conn: http2.ErrCodeProtocol},
		{name: "trailers without END_STREAM", send: func(r *raw) {
			r.headers(1, false, get("/")...)
			r.headers(1, false, "x-t", "v")
		}, stream: 1, code: http2.ErrCodeProtocol},
		{name: "HEADERS depending on their own stream", send: func(r *raw) {
			r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: r.block(get("/")...), EndStream: true, EndHeaders: true,
				Priority: http2.PriorityParam{StreamDep: 1, Weight: 1}})
		}, stream: 1, code: http2.ErrCodeProtocol},
		{name: "a frame larger than SETTINGS allow", send: func(r *raw) {
			r.fr.WriteRawFrame(0x20, 0, 0, make([]byte, 20<<10))
		}, conn: http2.ErrCodeFrameSize},
		{name: "a stream depending on itself", send: func(r *raw) {
			r.fr.WritePriority(3, http2.PriorityParam{StreamDep: 3, Weight: 1})
		}, stream: 3, code: http2.ErrCodeProtocol},
		{name: "more streams than allowed", send: func(r *raw) {
			for id := uint32(1); id <= 5; id += 2 {
				r.headers(id, true, get("/")...)
			}
		}, stream: 5, code: http2.ErrCodeRefusedStream},
		{name: "body longer than its Content-Length", send: func(r *raw) {
			r.headers(1, false, append(get("/"), "content-length", "1")...)
			r.fr.WriteData(1, true, []byte("too long"))
		}, stream: 1, code: http2.ErrCodeProtocol},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := dial(t, serve(t, &Server{Handler: block(500 * time.Millisecond), MaxConcurrentStreams: 2}))
			tt.send(r)
			if tt.stream == 0 {
				if got := r.goAway(); got != tt.conn {
					t.Errorf("got GOAWAY %v, want %v", got, tt.conn)
				}
				r.closed()
				return
			}
			if got := r.reset(tt.stream); got != tt.code {
				t.Errorf("got RST_STREAM %v, want %v", got, tt.code)
			}
			r.fr.WritePing(false, [8]byte{1})
			r.until("the PING's ack: the connection serves on", func(f http2.Frame) bool {
				p, ok := f.(*http2.PingFrame)
				return ok && p.IsAck()
			})
		})
	}
}

// TestRapidReset: a client that opens streams and resets them at once, faster than their handlers
// end, is told ENHANCE_YOUR_CALM and disconnected (CVE-2023-44487), with the handlers it started
// bounded by four times the streams allowed.
func TestRapidReset(t *testing.T) {
	release := make(chan struct{})
	var started, most int
	var mu = make(chan struct{}, 1)
	srv := &Server{MaxConcurrentStreams: 4, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu <- struct{}{}
		started++
		most = max(most, started)
		<-mu
		<-release
		mu <- struct{}{}
		started--
		<-mu
	})}
	defer close(release)
	r := dial(t, serve(t, srv))
	block := r.block(get("/")...)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for id := uint32(1); id < 400; id += 2 {
			err := r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true})
			if err != nil || r.fr.WriteRSTStream(id, http2.ErrCodeCancel) != nil {
				return
			}
		}
	}()
	if got := r.goAway(); got != http2.ErrCodeEnhanceYourCalm {
		t.Errorf("got GOAWAY %v, want ENHANCE_YOUR_CALM", got)
	}
	r.nc.Close()
	<-sent
	mu <- struct{}{}
	if most > 16 {
		t.Errorf("got %d handlers running at once, want at most 16", most)
	}
	<-mu
}
