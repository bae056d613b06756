package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scripted is a raw backend that answers every request with the same bytes, and closes the
// connection after an answer that says "Connection: close".
func scripted(t *testing.T, answer string) Backend {
	return rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, answer); err != nil || strings.Contains(answer, "Connection: close") {
				return
			}
		}
	})
}

func TestResponseHeadersAndFraming(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		method  string
		status  int
		body    string
		header  map[string]string // "" means absent
		chunked bool
	}{
		{"hop-by-hop fields dropped", "HTTP/1.1 200 OK\r\nConnection: X-Secret, keep-alive\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n" +
			"Proxy-Authenticate: Basic\r\nX-Kept: k\r\nContent-Length: 2\r\n\r\nok", "GET", 200, "ok",
			map[string]string{"X-Secret": "", "Keep-Alive": "", "Proxy-Authenticate": "", "Connection": "", "X-Kept": "k"}, false},
		{"request id added", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "GET", 200, "ok",
			map[string]string{"X-Request-Id": "client-id-1"}, false},
		{"app's request id kept", "HTTP/1.1 200 OK\r\nX-Request-Id: app-id\r\nContent-Length: 2\r\n\r\nok", "GET", 200, "ok",
			map[string]string{"X-Request-Id": "app-id"}, false},
		{"chunked re-chunked, trailers kept", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
			"2;ext=1\r\nok\r\n1\r\n!\r\n0\r\nX-Sum: 3\r\n\r\n", "GET", 200, "ok!", nil, true},
		{"body until close sent chunked", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close", "GET", 200, "until close", nil, true},
		{"HEAD keeps its length, sends no body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "HEAD", 200, "",
			map[string]string{"Content-Length": "100"}, false},
		{"HEAD of a chunked resource", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD", 200, "", nil, false},
		{"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", "DELETE", 204, "", nil, false},
		{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: \"e\"\r\n\r\n", "GET", 304, "",
			map[string]string{"ETag": `"e"`}, false},
		{"1xx passed on first", "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "GET", 200, "ok", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, url := startProxy(t, Options{})
			p.Switch(NewPool("v1", []Backend{scripted(t, tt.answer)}))
			c, br := dialRaw(t, url)
			fmt.Fprintf(c, "%s /r HTTP/1.1\r\nHost: a\r\nX-Request-Id: client-id-1\r\n\r\n", tt.method)
			res, body := readResponse(t, br, tt.method)
			for res.StatusCode < 200 {
				res, body = readResponse(t, br, tt.method)
			}
			if res.StatusCode != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", res.StatusCode, body, tt.status, tt.body)
			}
			for k, want := range tt.header {
				if got := res.Header.Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
			if chunked := len(res.TransferEncoding) > 0; chunked != tt.chunked {
				t.Errorf("got chunked %v, want %v", chunked, tt.chunked)
			}
			if strings.Contains(tt.name, "trailers") && res.Trailer.Get("X-Sum") != "3" {
				t.Errorf("got trailer X-Sum %q, want 3", res.Trailer.Get("X-Sum"))
			}
			// The connection still works: nothing of the response was left over.
			fmt.Fprintf(c, "%s /again HTTP/1.1\r\nHost: a\r\n\r\n", tt.method)
			if res, _ := readResponse(t, br, tt.method); res.StatusCode != tt.status && res.StatusCode >= 200 {
				t.Errorf("second request: got status %d, want %d", res.StatusCode, tt.status)
			}
		})
	}
}

func TestInterimResponseReachesTheClientFirst(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{scripted(t, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")}))
	c, br := dialRaw(t, url)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	res, _ := readResponse(t, br, http.MethodGet)
	if res.StatusCode != 103 || res.Header.Get("Link") != "</s.css>" {
		t.Errorf("got %d with Link %q, want 103 with the app's Link", res.StatusCode, res.Header.Get("Link"))
	}
	if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != 200 || body != "ok" {
		t.Errorf("got %d %q, want 200 ok", res.StatusCode, body)
	}
}

func TestHTTP10Client(t *testing.T) {
	tests := []struct {
		name      string
		answer    string
		keepAlive bool
		wantOpen  bool
	}{
		{"closes by default", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false},
		{"keep-alive when asked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true, true},
		{"chunked body sent bare, then closed", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", true, false},
		{"1xx not passed on", "HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, url := startProxy(t, Options{})
			p.Switch(NewPool("v1", []Backend{scripted(t, tt.answer)}))
			c, br := dialRaw(t, url)
			conn := ""
			if tt.keepAlive {
				conn = "Connection: keep-alive\r\n"
			}
			io.WriteString(c, "GET / HTTP/1.0\r\n"+conn+"\r\n")
			res, body := readResponse(t, br, http.MethodGet)
			if res.StatusCode != 200 || body != "ok" || res.ProtoMinor != 0 || len(res.TransferEncoding) > 0 {
				t.Fatalf("got %s %d %q, chunked %v; want HTTP/1.0 200 ok, not chunked", res.Proto, res.StatusCode, body, res.TransferEncoding)
			}
			if tt.wantOpen {
				io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
				if res, body := readResponse(t, br, http.MethodGet); body != "ok" {
					t.Errorf("second request: got %d %q, want 200 ok", res.StatusCode, body)
				}
			}
			expectClosed(t, c, br)
		})
	}
}

func TestBadBackendResponsesAre502(t *testing.T) {
	tests := []struct {
		name   string
		answer string
	}{
		{"not HTTP", "SSH-2.0-OpenSSH\r\n\r\n"},
		{"length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n"},
		{"unasked switch", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"},
		{"closed before answering", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen refusals
			p, url := startProxy(t, Options{Observe: seen.observe})
			backend := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
				if _, err := http.ReadRequest(br); err == nil {
					io.WriteString(c, tt.answer)
				}
			})
			p.Switch(NewPool("v1", []Backend{backend}))
			c, br := dialRaw(t, url)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
			if res, body := readResponse(t, br, http.MethodPost); res.StatusCode != http.StatusBadGateway {
				t.Errorf("got %d %q, want 502", res.StatusCode, body)
			}
			if got := seen.wait(t, 1); len(got) != 1 || got[0].Status != 502 {
				t.Errorf("observed %+v, want one 502", got)
			}
		})
	}
}

func TestBackendDyingMidBodyBreaksTheClientConnection(t *testing.T) {
	var seen refusals
	p, url := startProxy(t, Options{Observe: seen.observe})
	dies := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
		}
	})
	p.Switch(NewPool("v1", []Backend{dies}))
	c, br := dialRaw(t, url)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Errorf("reading the body: got a clean end, want the connection broken off")
	}
	if got := seen.wait(t, 1); len(got) != 1 || got[0].Status != 200 || !strings.Contains(got[0].Err.Error(), "aborted") {
		t.Errorf("observed %+v, want one 200 whose body was aborted", got)
	}
}

// TestResultBytes: on both paths, Result.Bytes is the body the client got, without the chunked
// framing, and zero for answers that have no body.
func TestResultBytes(t *testing.T) {
	const piece = 1000
	app := startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fixed":
			w.Header().Set("Content-Length", "5000")
			w.Write([]byte(strings.Repeat("f", 5000)))
		case "/large": // longer than what arrives with the head, so a buffering site holds it
			w.Header().Set("Content-Length", strconv.Itoa(300<<10))
			w.Write([]byte(strings.Repeat("l", 300<<10)))
		case "/chunked":
			for range 3 {
				w.Write([]byte(strings.Repeat("c", piece)))
				http.NewResponseController(w).Flush()
			}
		case "/cached":
			w.WriteHeader(http.StatusNotModified)
		}
	}))
	tests := []struct {
		name, method, path string
		buffer             bool
		status             int
		want               int64
	}{
		{"fixed length", http.MethodGet, "/fixed", false, 200, 5000},
		{"chunked", http.MethodGet, "/chunked", false, 200, 3 * piece},
		{"buffered", http.MethodGet, "/large", true, 200, 300 << 10},
		{"HEAD", http.MethodHead, "/fixed", false, 200, 0},
		{"304", http.MethodGet, "/cached", false, 304, 0},
	}
	for _, tt := range tests {
		results := make(chan Result, 1)
		opts := Options{Observe: func(r Result) { results <- r }}
		for path, start := range pathsWith(t, opts) {
			t.Run(tt.name+"/"+path, func(t *testing.T) {
				p, url := start()
				p.Switch(NewPool("v1", []Backend{app}))
				if tt.buffer {
					p.Site().SetBuffering(Buffering{Responses: true})
				}
				req, err := http.NewRequest(tt.method, url+tt.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := newClient(t).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != tt.status || int64(len(body)) != tt.want {
					t.Fatalf("got %d with %d bytes (%v), want %d with %d", res.StatusCode, len(body), err, tt.status, tt.want)
				}
				select {
				case r := <-results:
					if r.Bytes != tt.want || r.Status != tt.status {
						t.Errorf("observed %d with %d bytes, want %d with %d", r.Status, r.Bytes, tt.status, tt.want)
					}
				case <-time.After(waitLimit):
					t.Fatal("no result observed")
				}
			})
		}
	}
}
