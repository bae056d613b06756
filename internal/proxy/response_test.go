package proxy

import (
	"errors"
	"testing"
)

func TestResponseParse(t *testing.T) {
	tests := []struct {
		name    string
		head    string
		want    error
		status  int
		length  int64
		chunked bool
		close   bool
	}{
		{"200 with length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", nil, 200, 5, false, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", nil, 200, -1, true, false},
		{"no reason phrase", "HTTP/1.1 204\r\n\r\n", nil, 204, -1, false, false},
		{"empty reason phrase", "HTTP/1.1 404 \r\n\r\n", nil, 404, -1, false, false},
		{"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 1\n\n", nil, 200, 1, false, false},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", nil, 200, 1, false, true},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", nil, 200, 1, false, false},
		{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", nil, 200, -1, false, true},
		{"same length twice", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", nil, 200, 2, false, false},
		{"other lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", errResLength, 0, 0, false, false},
		{"length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", errResBoth, 0, 0, false, false},
		{"gzip coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", errResCoding, 0, 0, false, false},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n", errResField, 0, 0, false, false},
		{"HTTP/2", "HTTP/2 200\r\n\r\n", errStatusLine, 0, 0, false, false},
		{"short status", "HTTP/1.1 20 OK\r\n\r\n", errStatusLine, 0, 0, false, false},
		{"status not digits", "HTTP/1.1 2x0 OK\r\n\r\n", errStatusLine, 0, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h response
			err := h.parse([]byte(tt.head))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil {
				if !errors.Is(err, errBadResponse) {
					t.Errorf("got %v, want it to wrap errBadResponse", err)
				}
				return
			}
			if h.status != tt.status || h.length != tt.length || h.chunked != tt.chunked || h.close != tt.close {
				t.Errorf("got status %d, length %d, chunked %v, close %v; want %d, %d, %v, %v",
					h.status, h.length, h.chunked, h.close, tt.status, tt.length, tt.chunked, tt.close)
			}
		})
	}
}

func TestResponseBodyless(t *testing.T) {
	tests := []struct {
		status int
		head   bool
		want   bool
	}{
		{200, false, false},
		{200, true, true},
		{103, false, true},
		{204, false, true},
		{304, false, true},
		{404, false, false},
	}
	for _, tt := range tests {
		h := response{status: tt.status}
		if got := h.bodyless(tt.head); got != tt.want {
			t.Errorf("status %d, HEAD %v: got bodyless %v, want %v", tt.status, tt.head, got, tt.want)
		}
	}
}
