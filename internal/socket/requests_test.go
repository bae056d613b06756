package socket

import (
	"strings"
	"testing"
)

func TestRequestsAddsCloseToTheNextHead(t *testing.T) {
	const close = "Connection: close\r\n"
	tests := []struct {
		name   string
		stream string // the bytes the client sends after the connection retired
		want   string // what the server reads
	}{
		{"get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\n" + close + "\r\n"},
		{"bare LF", "GET / HTTP/1.1\nHost: a\n\n", "GET / HTTP/1.1\nHost: a\n" + close + "\n"},
		{"blank lines first", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", "\r\n\r\nGET / HTTP/1.1\r\n" + close + "\r\n"},
		{"upgrade", "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
			"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Byte by byte, and whole: where the reads split must not matter.
			for _, size := range []int{1, 2, 7, len(tt.stream)} {
				if got := feedAll(&requests{}, tt.stream, size, true); got != tt.want {
					t.Errorf("reads of %d: got %q, want %q", size, got, tt.want)
				}
			}
		})
	}
}

// TestRequestsSkipsBodies: the head that gets Connection: close is the next one, not text in a
// body that looks like one.
func TestRequestsSkipsBodies(t *testing.T) {
	lookalike := "GET /x HTTP/1.1\r\n\r\n"
	tests := []struct {
		name   string
		before string // a request that started before the connection retired
	}{
		{"content-length", "POST / HTTP/1.1\r\nContent-Length: 19\r\n\r\n"},
		{"chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n13;ext=1\r\n"},
	}
	next := "GET /next HTTP/1.1\r\n\r\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := lookalike
			if strings.Contains(tt.before, "chunked") {
				body += "\r\n0\r\nTrailer: x\r\n\r\n"
			}
			for _, size := range []int{1, 3, 1000} {
				r := &requests{}
				got := feedAll(r, tt.before, size, false) + feedAll(r, body+next, size, true)
				want := tt.before + body + "GET /next HTTP/1.1\r\nConnection: close\r\n\r\n"
				if got != want {
					t.Errorf("reads of %d: got %q, want %q", size, got, want)
				}
			}
		})
	}
}

// feedAll feeds s in reads of size bytes and returns what the server would read.
func feedAll(r *requests, s string, size int, closing bool) string {
	var out strings.Builder
	for len(s) > 0 {
		n := min(size, len(s))
		chunk := []byte(s[:n])
		if b := r.feed(chunk, closing); b != nil {
			chunk = b
		}
		out.Write(chunk)
		s = s[n:]
	}
	return out.String()
}
