package h2

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/http2"
)

// respond serves handler, sends one request of method to it over a raw connection and returns
// the frames of the response's stream, up to the one that ends it.
func respond(t *testing.T, method string, handler http.HandlerFunc) []http2.Frame {
	t.Helper()
	r := dial(t, serve(t, &Server{Handler: handler}))
	r.headers(1, true, ":method", method, ":scheme", "https", ":authority", "x", ":path", "/")
	var frames []http2.Frame
	r.until("the end of the stream", func(f http2.Frame) bool {
		if f.Header().StreamID != 1 {
			return false
		}
		if d, ok := f.(*http2.DataFrame); ok {
			d2 := *d
			frames = append(frames, &dataCopy{DataFrame: d2, data: strings.Clone(string(d.Data()))})
		} else {
			frames = append(frames, f)
		}
		_, reset := f.(*http2.RSTStreamFrame)
		return reset || f.Header().Flags.Has(http2.FlagDataEndStream)
	})
	return frames
}

// dataCopy is a DATA frame kept past the next read.
type dataCopy struct {
	http2.DataFrame
	data string
}

// describe is frames in short: "200 content-length=5 | DATA hello END".
func describe(frames []http2.Frame) string {
	var parts []string
	for _, f := range frames {
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			var s []string
			for _, hf := range f.Fields {
				if hf.Name == ":status" {
					s = append(s, hf.Value)
				} else {
					s = append(s, hf.Name+"="+hf.Value)
				}
			}
			if f.StreamEnded() {
				s = append(s, "END")
			}
			parts = append(parts, strings.Join(s, " "))
		case *dataCopy:
			d := "DATA " + f.data
			if f.StreamEnded() {
				d += " END"
			}
			parts = append(parts, d)
		case *http2.RSTStreamFrame:
			parts = append(parts, "RST "+f.ErrCode.String())
		}
	}
	return strings.Join(parts, " | ")
}

func TestResponses(t *testing.T) {
	for _, tt := range []struct {
		name, method string
		handler      http.HandlerFunc
		want         string
	}{
		{"small: one HEADERS with its length, one DATA", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello")
		}, "200 content-length=5 | DATA hello END"},
		{"nothing written", "GET", func(w http.ResponseWriter, r *http.Request) {}, "200 content-length=0 END"},
		{"connection-specific fields left out", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Keep-Alive", "timeout=5")
			w.Header().Set("Transfer-Encoding", "chunked")
			w.Header().Set("Upgrade", "h2c")
			w.Header().Set("Bad\nName", "x")
			w.Header().Set("X-Ok", "bad\nvalue")
			w.WriteHeader(204)
		}, "204 END"},
		{"HEAD keeps the handler's length, sends no body", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "42")
			io.WriteString(w, "ignored")
		}, "200 content-length=42 END"},
		{"1xx first", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</s.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Del("Link")
			io.WriteString(w, "x")
		}, "103 link=</s.css>; rel=preload | 200 content-length=1 | DATA x END"},
		{"flushed, then ended by an empty DATA", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
		}, "200 | DATA part | DATA  END"},
		{"trailers", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "body")
			w.Header().Set("X-Sum", "abc")
			w.Header().Set(http.TrailerPrefix+"X-Late", "def")
		}, "200 trailer=X-Sum | DATA body | x-late=def x-sum=abc END"},
		{"shorter than its Content-Length: reset", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "short")
		}, "RST INTERNAL_ERROR"},
		{"fields added as bytes", "GET", func(w http.ResponseWriter, r *http.Request) {
			fa := w.(FieldAdder)
			fa.AddField([]byte("Content-Type"), []byte("text/plain"))
			fa.AddField([]byte("Connection"), []byte("close")) // left out, and no GOAWAY
			fa.AddField([]byte("X-Bad"), []byte("a\r\nb"))
			fa.AddField([]byte("Content-Length"), []byte("5"))
			io.WriteString(w, "hello")
		}, "200 content-type=text/plain content-length=5 | DATA hello END"},
		{"shorter than the Content-Length added as bytes: reset", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.(FieldAdder).AddField([]byte("Content-Length"), []byte("9"))
			io.WriteString(w, "short")
		}, "RST INTERNAL_ERROR"},
		{"a panic: reset", "GET", func(w http.ResponseWriter, r *http.Request) {
			panic(http.ErrAbortHandler)
		}, "RST INTERNAL_ERROR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(respond(t, tt.method, tt.handler))
			if tt.name == "trailers" { // map order
				got = strings.Replace(got, "x-sum=abc x-late=def", "x-late=def x-sum=abc", 1)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
