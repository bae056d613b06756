package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"testing"
)

// FuzzRequestHead: a request head the fast path accepts is read the same way by net/http, the
// parser of a Go app behind it: same method, target, Host and body framing. A head the two read
// differently is how a request is smuggled.
func FuzzRequestHead(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /x?y HTTP/1.1\r\nHost: a:80\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
		"GET / HTTP/1.1\nHost: a\n\n",
		"GET / HTTP/1.0\r\n\r\n",
		"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
		"GET /a%2Fb?q=%zz HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		b := []byte(in)
		from := 0
		n, ok := scanHead(b, &from, true)
		if !ok || n == 0 || n > MaxRequestHeadBytes {
			return
		}
		var h request
		if h.parse(b[:n]) != nil || h.general() {
			return
		}
		if h.te && h.length >= 0 {
			t.Fatal("accepted both Transfer-Encoding and Content-Length")
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b[:n])))
		if err != nil {
			t.Fatalf("the proxy accepts %q, net/http refuses it: %v", b[:n], err)
		}
		if r.Method != string(h.method) || r.RequestURI != string(h.target) {
			t.Fatalf("request line: proxy %q %q, net/http %q %q", h.method, h.target, r.Method, r.RequestURI)
		}
		if h.hosts == 1 && r.Host != string(h.host) {
			t.Fatalf("Host: proxy %q, net/http %q", h.host, r.Host)
		}
		chunked := len(r.TransferEncoding) > 0 && r.TransferEncoding[len(r.TransferEncoding)-1] == "chunked"
		if chunked != h.chunked {
			t.Fatalf("chunked: proxy %v, net/http %v", h.chunked, chunked)
		}
		if !h.chunked && h.length >= 0 && r.ContentLength != h.length {
			t.Fatalf("Content-Length: proxy %d, net/http %d", h.length, r.ContentLength)
		}
	})
}

// FuzzResponseHead: a response head the proxy accepts from an app is one net/http reads too, with
// the same status and body framing.
func FuzzResponseHead(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 999 Weird\r\n\r\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		b := []byte(in)
		from := 0
		n, ok := scanHead(b, &from, false)
		if !ok || n == 0 {
			return
		}
		var h response
		if h.parse(b[:n]) != nil {
			return
		}
		if h.chunked && h.length >= 0 {
			t.Fatal("accepted both Transfer-Encoding and Content-Length")
		}
		r, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b[:n])), nil)
		if err != nil {
			t.Fatalf("the proxy accepts %q, net/http refuses it: %v", b[:n], err)
		}
		if r.StatusCode != h.status {
			t.Fatalf("status: proxy %d, net/http %d", h.status, r.StatusCode)
		}
	})
}

// FuzzChunked: what the proxy sends on for a chunked body it accepts is a well-formed chunked body
// (net/http's chunked reader reads it to the end), and sending that on again changes nothing: the
// proxy re-frames once, the same way every time. (net/http's reader itself is stricter than RFC
// 9112 about the input: it refuses white space before a chunk extension, which the proxy accepts.)
func FuzzChunked(f *testing.F) {
	for _, seed := range []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"5;a=b\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
		"ffffffffffffffff\r\n",
		"0x5\r\nhello\r\n0\r\n\r\n",
		"5\nhello\n0\n\n",
		"3\r\nhello\r\n0\r\n\r\n",
		"-1\r\n",
		"5 \r\nhello\r\n0\r\n\r\n",
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, in string, client bool) {
		var out bytes.Buffer
		p := newTestPipe(in, &out, client)
		if p.chunked(true) != nil || p.dst.Flush() != nil {
			return
		}
		if _, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(out.Bytes()))); err != nil {
			t.Fatalf("for %q the proxy sent on %q, which net/http cannot read: %v", in, out.Bytes(), err)
		}
		var again bytes.Buffer
		p = newTestPipe(out.String(), &again, client)
		if err := p.chunked(true); err != nil || p.dst.Flush() != nil || again.String() != out.String() {
			t.Fatalf("sent on twice: %q (%v), want %q unchanged", again.String(), err, out.String())
		}
	})
}
