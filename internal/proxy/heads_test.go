package proxy

import (
	"bytes"
	"testing"
)

func TestWriteRequestHead(t *testing.T) {
	tests := []struct {
		name, in, ip, want string
		trusted            bool
	}{
		{"forwarding headers set, hop-by-hop dropped, a trusted proxy's X-Forwarded-For kept",
			"POST /p?q HTTP/1.1\r\nHost: app\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n" +
				"TE: trailers\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n" +
				"Forwarded: for=x\r\nX-Request-Id: id-1\r\nContent-Length: 2\r\nAccept: */*\r\n\r\n", "127.0.0.1",
			"POST /p?q HTTP/1.1\r\nHost: app\r\nContent-Length: 2\r\nAccept: */*\r\nTe: trailers\r\n" +
				"X-Forwarded-For: 203.0.113.7, 10.0.0.1, 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app\r\n" +
				"X-Request-Id: id-1\r\n\r\n", true},
		{"an untrusted client's X-Forwarded-For replaced, spoofable fields dropped",
			"GET / HTTP/1.1\r\nHost: app\r\nX-Forwarded-For: 203.0.113.7\r\nX-Real-IP: 6.6.6.6\r\nX_Forwarded_Proto: https\r\n" +
				"X-Forwarded-Ssl: on\r\nAccept: */*\r\n\r\n", "127.0.0.1",
			"GET / HTTP/1.1\r\nHost: app\r\nAccept: */*\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n" +
				"X-Forwarded-Host: app\r\nX-Request-Id: id-1\r\n\r\n", false},
		{"HTTP/1.0 without Host, chunked kept chunked",
			"GET / HTTP/1.0\r\n\r\n", "",
			"GET / HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX-Forwarded-Proto: http\r\nX-Request-Id: id-1\r\n\r\n", false},
		{"chunked",
			"PUT / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n", "::1",
			"PUT / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\nX-Forwarded-For: ::1\r\n" +
				"X-Forwarded-Proto: http\r\nX-Forwarded-Host: app\r\nX-Request-Id: id-1\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &conn{p: New(Options{}), ip: tt.ip, trusted: tt.trusted}
			if err := c.req.parse([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			c.x.id = []byte("id-1")
			var out bytes.Buffer
			w := newWriter(&out)
			c.writeRequestHead(w, "127.0.0.1:9")
			w.Flush()
			if out.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", out.String(), tt.want)
			}
		})
	}
}

func TestWriteResponseHead(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		minor   int
		close   bool
		chunked bool
		want    string
	}{
		{"hop-by-hop dropped, id added",
			"HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nTransfer-Encoding: chunked\r\nX-A: a\r\n\r\n",
			1, false, true, "HTTP/1.1 200 OK\r\nX-A: a\r\nTransfer-Encoding: chunked\r\nX-Request-Id: id-1\r\n\r\n"},
		{"closing, length kept, app's id kept",
			"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-Request-Id: app\r\n\r\n",
			1, true, false, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-Request-Id: app\r\nConnection: close\r\n\r\n"},
		{"bare LF line ends made CRLF, a repeated length passed on once",
			"HTTP/1.1 200 OK\nContent-Length: 2\nContent-Length: 2\nX-A: a\n\n",
			1, false, false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: a\r\nX-Request-Id: id-1\r\n\r\n"},
		{"HTTP/1.0 client kept alive",
			"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
			0, false, false, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\nX-Request-Id: id-1\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c := &conn{bw: &writer{dst: &out}}
			if err := c.res.parse([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			c.x.id, c.x.minor, c.x.close = []byte("id-1"), tt.minor, tt.close
			c.writeResponseHead(tt.chunked)
			c.bw.Flush()
			if out.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", out.String(), tt.want)
			}
		})
	}
}
