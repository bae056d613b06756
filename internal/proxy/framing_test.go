package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFramingFindsAmbiguousRequests(t *testing.T) {
	const (
		get     = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
		post    = "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
		chunked = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"
		both    = "POST /b HTTP/1.1\r\nHost: a\r\ncontent-length: 3\r\nTRANSFER-ENCODING: chunked\r\n\r\n0\r\n\r\n"
		both10  = "POST /b HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"
		lfOnly  = "GET / HTTP/1.1\nHost: a\n\n"
		inBody  = "GET /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	)
	// A body that looks like an ambiguous request but is only a body.
	smuggled := fmt.Sprintf("POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", len(inBody), inBody)
	tests := []struct {
		name   string
		stream string
		want   int64 // seq of the first ambiguous request, -1 if none
		seq    int64 // header blocks seen
	}{
		{"plain requests", get + post + get, -1, 3},
		{"chunked body with trailer", chunked + get, -1, 2},
		{"ambiguous", both, 0, 1},
		{"ambiguous after others", get + chunked + post + both + get, 3, 5},
		{"ambiguous HTTP/1.0", both10 + get, 0, 2},
		{"bare LF line ends", lfOnly + both, 1, 2},
		{"leading blank lines", "\r\n\r\n" + get + both, 1, 2},
		{"look-alike in a Content-Length body", smuggled + get, -1, 2},
		{"long header lines", "GET /" + strings.Repeat("x", 300) + " HTTP/1.1\r\nX-Long: " +
			strings.Repeat("y", 300) + "\r\n\r\n" + both, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for split := 1; split <= len(tt.stream); split++ {
				f := &framing{}
				f.firstBad.Store(-1)
				for i := 0; i < len(tt.stream); i += split {
					f.feed([]byte(tt.stream[i:min(i+split, len(tt.stream))]))
				}
				if got := f.firstBad.Load(); got != tt.want || f.seq != tt.seq {
					t.Fatalf("fed in pieces of %d: got first ambiguous %d after %d requests, want %d after %d",
						split, got, f.seq, tt.want, tt.seq)
				}
				if f.state != stRequestLine {
					t.Fatalf("fed in pieces of %d: got state %d at the end, want %d", split, f.state, stRequestLine)
				}
			}
		})
	}
}

func TestFramingGivesUpOnNonsense(t *testing.T) {
	tests := []string{
		"POST / HTTP/1.1\r\nContent-Length: five\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	}
	for _, stream := range tests {
		t.Run(strings.Fields(stream)[3], func(t *testing.T) {
			f := &framing{}
			f.firstBad.Store(-1)
			f.feed([]byte(stream + "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"))
			if f.state != stLost || f.firstBad.Load() != -1 {
				t.Errorf("got state %d, first ambiguous %d; want lost and none", f.state, f.firstBad.Load())
			}
		})
	}
}

func TestAmbiguousLengthIsRefused(t *testing.T) {
	var hits atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "ok")
	})
	var refused atomic.Int64
	observe := func(r Result) {
		if r.Status == http.StatusBadRequest && r.Release == "" {
			refused.Add(1)
		}
	}
	p, url := startProxy(t, Options{Observe: observe})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))

	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	// A good request, then the ambiguous one, pipelined on one connection.
	io.WriteString(c, "POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"+
		"POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"0\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []int{http.StatusOK, http.StatusBadRequest} {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading response: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("got status %d (%s), want %d", res.StatusCode, body, want)
		}
		if want == http.StatusBadRequest && !res.Close {
			t.Errorf("refusal kept the connection open, want it closed")
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("backend got %d requests, want 1 (the ambiguous one never reaches it)", n)
	}
	if n := refused.Load(); n != 1 {
		t.Errorf("got %d refusals observed, want 1", n)
	}
}

// TestGeneralPathIsAsStrict: after a request the fast path hands to net/http (absolute-form), the
// next requests on that connection are held to the fast path's standard: a bare LF, obs-fold or
// white space before a colon is refused with 400 and the connection closed, as on the fast path.
func TestGeneralPathIsAsStrict(t *testing.T) {
	for name, second := range map[string]string{
		"bare LF":                     "GET /second HTTP/1.1\nHost: a\n\n",
		"obs-fold":                    "GET /second HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n",
		"white space before a colon":  "GET /second HTTP/1.1\r\nHost: a\r\nX-A : 1\r\n\r\n",
		"a bare LF ending the fields": "GET /second HTTP/1.1\r\nHost: a\r\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			var hits atomic.Int64
			backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				fmt.Fprint(w, "ok")
			})
			p, url := startProxy(t, Options{})
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
			c, br := dialRaw(t, url)
			io.WriteString(c, "GET http://a/first HTTP/1.1\r\nHost: a\r\n\r\n")
			if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != http.StatusOK {
				t.Fatalf("first request: got %d (%s), want 200", res.StatusCode, body)
			}
			io.WriteString(c, second)
			res, body := readResponse(t, br, http.MethodGet)
			if res.StatusCode != http.StatusBadRequest || !res.Close {
				t.Errorf("got %d, close %v (%s); want 400 and the connection closed", res.StatusCode, res.Close, body)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("backend got %d requests, want only the first", n)
			}
		})
	}
}

// TestHeadLimitsOnBothPaths: a request line over MaxRequestLineBytes gets 414 and a header field
// line over MaxFieldBytes 431, and the connection is closed, on the fast path and on the general
// path after a hand-off alike; over HTTP/2 the stream gets the same answers. The app sees neither.
func TestHeadLimitsOnBothPaths(t *testing.T) {
	long := strings.Repeat("a", MaxRequestLineBytes)
	heads := []struct {
		name, target, field string
		want                int
	}{
		{"request line over the limit", "/" + long, "X-A: 1", http.StatusRequestURITooLong},
		{"header field over the limit", "/", "X-A: " + long, http.StatusRequestHeaderFieldsTooLarge},
		{"both just under the limits", "/" + long[:MaxRequestLineBytes-20], "X-A: " + long[:MaxFieldBytes-10], http.StatusOK},
	}
	for _, path := range []string{"fast path", "general path after a hand-off", "HTTP/2"} {
		for _, h := range heads {
			t.Run(path+"/"+h.name, func(t *testing.T) {
				var hits atomic.Int64
				backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					fmt.Fprint(w, "ok")
				})
				pool := func(p *Proxy) { p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)})) }
				var status int
				closed := true
				if path == "HTTP/2" {
					p, addr, roots := startTLSProxy(t, Options{})
					pool(p)
					req, _ := http.NewRequest(http.MethodGet, "https://"+addr+h.target, nil)
					k, v, _ := strings.Cut(h.field, ": ")
					req.Header.Set(k, v)
					res, err := tlsClient(t, roots, true).Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					status = res.StatusCode
				} else {
					p, url := startProxy(t, Options{})
					pool(p)
					c, br := dialRaw(t, url)
					if path != "fast path" {
						io.WriteString(c, "GET http://a/first HTTP/1.1\r\nHost: a\r\n\r\n")
						if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != http.StatusOK {
							t.Fatalf("the request that hands over: got %d (%s), want 200", res.StatusCode, body)
						}
						hits.Store(0)
					}
					fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: a\r\n%s\r\n\r\n", h.target, h.field)
					res, _ := readResponse(t, br, http.MethodGet)
					status, closed = res.StatusCode, res.Close
				}
				wantHits := map[bool]int64{true: 1, false: 0}[h.want == http.StatusOK]
				if status != h.want || hits.Load() != wantHits || h.want != http.StatusOK && !closed {
					t.Errorf("got %d, the app saw %d requests, connection closed %v; want %d, %d, closed",
						status, hits.Load(), closed, h.want, wantHits)
				}
			})
		}
	}
}
