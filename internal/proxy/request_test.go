package proxy

import (
	"errors"
	"strings"
	"testing"
)

func TestRequestParse(t *testing.T) {
	tests := []struct {
		name string
		head string
		want error
	}{
		{"plain GET", "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n", nil},
		{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", nil},
		{"Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", nil},
		{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n", nil},
		{"obs-text in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: caf\xc3\xa9\r\n\r\n", nil},
		{"Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", ErrAmbiguousLength},
		{"Content-Length twice, same value", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", errDupLength},
		{"Content-Length twice, other value", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", errDupLength},
		{"Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\n", errBadLength},
		{"Content-Length signed", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n", errBadLength},
		{"Content-Length empty", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", errBadLength},
		{"Transfer-Encoding gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", errBadTE},
		{"chunked not last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", errBadTE},
		{"chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", errBadTE},
		{"another coding before chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", errUnsupportedT},
		{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", errTE10},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n", errField},
		{"obs-fold with a tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\t2\r\n\r\n", errField},
		{"space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", errField},
		{"no colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n", errField},
		{"bare CR in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r2\r\n\r\n", errField},
		{"NUL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\x002\r\n\r\n", errField},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", errHost},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", errHost},
		{"Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", errHostValue},
		{"Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", errHostValue},
		{"IPv6 Host with a port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", nil},
		{"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", nil},
		{"two spaces", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", errRequestLine},
		{"space in the target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", errRequestLine},
		{"a bad escape in the path", "GET /%0X0 HTTP/1.1\r\nHost: x\r\n\r\n", errRequestLine},
		{"an escape cut short", "GET /a% HTTP/1.1\r\nHost: x\r\n\r\n", errRequestLine},
		{"method not a token", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", errRequestLine},
		{"no version", "GET /\r\nHost: x\r\n\r\n", errRequestLine},
		{"HTTP/2.0", "PRI * HTTP/2.0\r\n\r\n", errVersion},
		{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", errVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h request
			err := h.parse([]byte(tt.head))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want != nil && tt.want != ErrAmbiguousLength && !errors.Is(err, ErrMalformedRequest) {
				t.Errorf("got %v, want it to wrap ErrMalformedRequest", err)
			}
		})
	}
}

func TestRequestParseFields(t *testing.T) {
	head := "POST /p HTTP/1.1\r\nHost: app.example\r\nConnection: keep-alive, X-Secret, close\r\n" +
		"X-Secret: s\r\nx-secret: s2\r\nKeep-Alive: 5\r\nTE: trailers, deflate\r\nUpgrade: h2c\r\n" +
		"X-Request-Id:  abc  \r\nContent-Length: 2\r\nX-Forwarded-For: 1.2.3.4\r\nForwarded: for=x\r\n\r\n"
	var h request
	if err := h.parse([]byte(head)); err != nil {
		t.Fatal(err)
	}
	if string(h.method) != "POST" || string(h.target) != "/p" || h.minor != 1 {
		t.Errorf("got %q %q HTTP/1.%d, want POST /p HTTP/1.1", h.method, h.target, h.minor)
	}
	if !h.close || !h.keepAlive || h.connUpgrade || !h.upgrade || !h.teTrailers || h.length != 2 {
		t.Errorf("got close %v, keep-alive %v, conn upgrade %v, upgrade %v, te trailers %v, length %d; want true true false true true 2",
			h.close, h.keepAlive, h.connUpgrade, h.upgrade, h.teTrailers, h.length)
	}
	if string(h.requestID) != "abc" || h.requestIDs != 1 || string(h.host) != "app.example" {
		t.Errorf("got request id %q (%d), host %q; want abc (1), app.example", h.requestID, h.requestIDs, h.host)
	}
	want := map[string]fieldKind{
		"Host": kindHost, "Connection": kindConnection, "X-Secret": kindHop, "x-secret": kindHop,
		"Keep-Alive": kindHop, "TE": kindTE, "Upgrade": kindUpgrade, "X-Request-Id": kindRequestID,
		"Content-Length": kindContentLength, "X-Forwarded-For": kindForwardedFor, "Forwarded": kindForwarded,
	}
	for _, f := range h.fields {
		if got := f.kind; got != want[string(f.name)] {
			t.Errorf("field %s: got kind %d, want %d", f.name, got, want[string(f.name)])
		}
	}
	if h.general() {
		t.Errorf("general: got true for Upgrade without Connection: upgrade, want false")
	}
}

func TestRequestGeneral(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", true},
		{"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", true},
		{"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", true},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.head)[1], func(t *testing.T) {
			var h request
			if err := h.parse([]byte(tt.head)); err != nil {
				t.Fatal(err)
			}
			if got := h.general(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRequestReplayable(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"POST / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.head)[0], func(t *testing.T) {
			var h request
			if err := h.parse([]byte(tt.head)); err != nil {
				t.Fatal(err)
			}
			if got := h.replayable(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
