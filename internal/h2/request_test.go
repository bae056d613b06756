package h2

import (
	"fmt"
	"net/http"
	"testing"

	"golang.org/x/net/http2"
)

// TestMalformedRequests: a request RFC 9113 calls malformed (8.1.1, 8.2.2, 8.3) is reset with
// PROTOCOL_ERROR and never reaches the handler; the connection serves on.
func TestMalformedRequests(t *testing.T) {
	reached := make(chan string, 16)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- r.URL.Path
	})})
	pseudo := func(method, scheme, path string) []string {
		return []string{":method", method, ":scheme", scheme, ":authority", "example.test", ":path", path}
	}
	for _, tt := range []struct {
		name   string
		fields []string
		end    bool
	}{
		{"connection field", append(get("/a"), "connection", "keep-alive"), true},
		{"transfer-encoding field", append(get("/b"), "transfer-encoding", "chunked"), false},
		{"te other than trailers", append(get("/c"), "te", "gzip"), true},
		{"no :path", []string{":method", "GET", ":scheme", "https", ":authority", "x"}, true},
		{"a :path not starting with /", pseudo("GET", "https", "d"), true},
		{"no :scheme", []string{":method", "GET", ":authority", "x", ":path", "/e"}, true},
		{"CONNECT with a :path", pseudo("CONNECT", "https", "/f"), true},
		{"extended CONNECT, not offered", append(pseudo("CONNECT", "https", "/g"), ":protocol", "websocket"), true},
		{"content-length not a number", append(get("/h"), "content-length", "1x"), false},
		{"content-length twice, differently", append(get("/i"), "content-length", "1", "content-length", "2"), false},
		{"content-length with no body", append(get("/j"), "content-length", "5"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := dial(t, addr)
			r.headers(1, tt.end, tt.fields...)
			if got := r.reset(1); got != http2.ErrCodeProtocol {
				t.Errorf("got RST_STREAM %v, want PROTOCOL_ERROR", got)
			}
			r.headers(3, true, get("/fine")...)
			r.response(3)
			if got := <-reached; got != "/fine" {
				t.Errorf("the handler got %q, want only the well-formed request", got)
			}
		})
	}
}

// TestRequestFields: what the handler sees of a request's pseudo-header and regular fields.
func TestRequestFields(t *testing.T) {
	seen := make(chan string, 1)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- fmt.Sprintf("%s %s host=%s uri=%s cookie=%q te=%q len=%d proto=%s",
			r.Method, r.URL.Path, r.Host, r.RequestURI, r.Header.Get("Cookie"), r.Header.Get("Te"), r.ContentLength, r.Proto)
	})})
	r := dial(t, addr)
	r.headers(1, true, append(get("/p?x=1"), "cookie", "a=1", "cookie", "b=2", "te", "trailers")...)
	want := `GET /p host=example.test uri=/p?x=1 cookie="a=1; b=2" te="trailers" len=0 proto=HTTP/2.0`
	if got := <-seen; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	r.headers(3, true, ":method", "OPTIONS", ":scheme", "https", ":authority", "example.test", ":path", "*")
	if got := <-seen; got != `OPTIONS * host=example.test uri=* cookie="" te="" len=0 proto=HTTP/2.0` {
		t.Errorf("got %s, want OPTIONS *", got)
	}
}

func TestTarget(t *testing.T) {
	for _, tt := range []struct {
		method, scheme, path, authority string
		uri                             string // "" when refused
	}{
		{"GET", "https", "/a?b", "x", "/a?b"},
		{"GET", "https", "*", "x", ""},
		{"OPTIONS", "https", "*", "x", "*"},
		{"CONNECT", "", "", "x:443", "x:443"},
		{"CONNECT", "", "", "", ""},
		{"GET", "", "/", "x", ""},
		{"", "https", "/", "x", ""},
		{"GET", "https", "//x", "x", "//x"},
	} {
		_, uri, err := target(tt.method, tt.scheme, tt.path, tt.authority)
		if (err != nil) != (tt.uri == "") || uri != tt.uri {
			t.Errorf("target(%q, %q, %q, %q) = %q, %v; want %q", tt.method, tt.scheme, tt.path, tt.authority, uri, err, tt.uri)
		}
	}
}
