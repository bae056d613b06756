package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// singleWorker is an app with a single worker: it takes one connection at a time, reads one request
// from it (its body in full), answers with Connection: close and only then accepts the next, as
// Unicorn with one worker does.
type singleWorker struct {
	ln    net.Listener
	sizes map[string]int // response body size per path; 2 bytes otherwise
	heads chan string    // each request's path, once its head is read
	mu    sync.Mutex
	order []string // paths, in the order their answers were written in full
	got   map[string]string
}

func startSingleWorker(t *testing.T, sizes map[string]int) *singleWorker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &singleWorker{ln: ln, sizes: sizes, heads: make(chan string, 16), got: map[string]string{}}
	t.Cleanup(func() { ln.Close() })
	go w.serve()
	return w
}

func (w *singleWorker) backend() Backend { return Backend{Addr: w.ln.Addr().String(), Name: "web.1"} }

func (w *singleWorker) serve() {
	for {
		nc, err := w.ln.Accept()
		if err != nil {
			return
		}
		nc.(*net.TCPConn).SetWriteBuffer(4 << 10)
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			nc.Close()
			continue
		}
		w.heads <- req.URL.Path
		body, _ := io.ReadAll(req.Body)
		n, ok := w.sizes[req.URL.Path]
		if !ok {
			n = 2
		}
		fmt.Fprintf(nc, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", n)
		_, err = io.Copy(nc, io.LimitReader(repeatReader('b'), int64(n)))
		if err == nil {
			w.mu.Lock()
			w.order = append(w.order, req.URL.Path)
			w.got[req.URL.Path] = string(body)
			w.mu.Unlock()
		}
		nc.Close()
	}
}

func (w *singleWorker) answered() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.order...)
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// getAsync GETs url in a goroutine; the channel gets the body's length, or -1 on an error.
func getAsync(t *testing.T, url string) chan int {
	done := make(chan int, 1)
	c := newClient(t)
	go func() {
		res, err := c.Get(url)
		if err != nil {
			done <- -1
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- len(b)
	}()
	return done
}

// stillWaiting fails the test if done delivers within a short look: the request it stands for
// must be waiting on the app's one worker.
func stillWaiting(t *testing.T, done chan int) {
	t.Helper()
	select {
	case n := <-done:
		t.Fatalf("another client's request was answered (%d bytes) while the one worker was held, want it to wait", n)
	case <-time.After(200 * time.Millisecond):
	}
}

func answerOf(t *testing.T, done chan int, what string) int {
	t.Helper()
	select {
	case n := <-done:
		return n
	case <-time.After(waitLimit):
		t.Fatalf("%s: no answer within %v", what, waitLimit)
		return 0
	}
}

func dialProxy(t *testing.T, url string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// TestSlowUploadHoldsNoWorker: with request buffering a client that uploads slowly does not
// reach the one-worker app until its body is complete, so another client is served meanwhile;
// without it, the other client waits.
func TestSlowUploadHoldsNoWorker(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("buffering=%v", on), func(t *testing.T) {
			app := startSingleWorker(t, nil)
			p, url := startProxy(t, Options{})
			p.Site().SetBuffering(Buffering{Requests: on})
			p.Switch(NewPool("v1", []Backend{app.backend()}))

			up := dialProxy(t, url)
			fmt.Fprintf(up, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n0123456789")
			var other chan int
			if on {
				other = getAsync(t, url+"/other")
				answerOf(t, other, "GET /other")
			} else {
				if got := <-app.heads; got != "/upload" {
					t.Fatalf("app got %s first, want /upload", got)
				}
				other = getAsync(t, url+"/other")
				stillWaiting(t, other)
			}
			io.WriteString(up, "abcdefghij")
			res, err := http.ReadResponse(bufio.NewReader(up), nil)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("upload: got %v %v, want 200", res, err)
			}
			if !on {
				answerOf(t, other, "GET /other")
			}
			want := []string{"/upload", "/other"}
			if on {
				want = []string{"/other", "/upload"}
			}
			pollUntilTrue(t, "the app to finish both", func() bool { return len(app.answered()) == 2 })
			if got := app.answered(); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("app answered %v, want %v", got, want)
			}
			app.mu.Lock()
			got := app.got["/upload"]
			app.mu.Unlock()
			if got != "0123456789abcdefghij" {
				t.Errorf("app got body %q, want it whole", got)
			}
		})
	}
}

// TestSlowReaderHoldsNoWorker: with response buffering a client that does not read a response
// within the limit does not hold the one-worker app; without it, another client waits until it
// reads.
func TestSlowReaderHoldsNoWorker(t *testing.T) {
	const size = 16 << 20 // well past what the sockets on the way hold
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("buffering=%v", on), func(t *testing.T) {
			app := startSingleWorker(t, map[string]int{"/big": size})
			p, url := startProxy(t, Options{})
			p.Site().SetBuffering(Buffering{Responses: on, ResponseLimit: size})
			p.Switch(NewPool("v1", []Backend{app.backend()}))

			slow := dialProxy(t, url)
			slow.(*net.TCPConn).SetReadBuffer(64 << 10)
			io.WriteString(slow, "GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
			<-app.heads
			other := getAsync(t, url+"/other")
			if on {
				if n := answerOf(t, other, "GET /other"); n != 2 {
					t.Fatalf("GET /other: got %d bytes, want 2", n)
				}
			} else {
				stillWaiting(t, other)
			}
			res, err := http.ReadResponse(bufio.NewReader(slow), nil)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := io.Copy(io.Discard, res.Body); n != size {
				t.Errorf("slow client got %d bytes, want %d", n, size)
			}
			if !on {
				answerOf(t, other, "GET /other")
			}
		})
	}
}

// TestStreamsAreNotBuffered: an event stream, even one with a length, and a chunked response
// reach the client event by event with response buffering on.
func TestStreamsAreNotBuffered(t *testing.T) {
	tests := []struct {
		name   string
		header func(http.Header)
	}{
		{"event stream with a length", func(h http.Header) {
			h.Set("Content-Type", "text/event-stream")
			h.Set("Content-Length", "100")
		}},
		{"chunked", func(h http.Header) { h.Set("Content-Type", "text/plain") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			app := startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tt.header(w.Header())
				io.WriteString(w, "data: one\n\n")
				w.(http.Flusher).Flush()
				<-release
				io.WriteString(w, strings.Repeat("x", 100-len("data: one\n\n")))
			}))
			p, url := startProxy(t, Options{})
			p.Site().SetBuffering(Buffering{Requests: true, Responses: true})
			p.Switch(NewPool("v1", []Backend{app}))
			defer close(release)
			res, err := newClient(t).Get(url + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			line, err := bufio.NewReader(res.Body).ReadString('\n')
			if err != nil || line != "data: one\n" {
				t.Fatalf("got %q %v before the stream ended, want the first event", line, err)
			}
		})
	}
}

func TestSetBufferingDefaults(t *testing.T) {
	p := New(Options{})
	s := p.Site()
	if got := s.Buffering(); got != (Buffering{}) {
		t.Errorf("a new site buffers %+v, want nothing", got)
	}
	s.SetBuffering(Buffering{Requests: true})
	want := Buffering{Requests: true, MaxBody: DefaultMaxBody, BodyMemory: DefaultBodyMemory, ResponseLimit: DefaultResponseBuffer}
	if got := s.Buffering(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	s.SetBuffering(Buffering{MaxBody: 5})
	if s.buffer.Load() != nil {
		t.Error("a site that buffers nothing keeps settings, want nil")
	}
}

func TestResponseBudget(t *testing.T) {
	p := New(Options{})
	if !p.holdResponse(DefaultResponseBudget - 10) {
		t.Fatal("a response within the budget was refused")
	}
	if p.holdResponse(11) {
		t.Error("a response past the budget was held")
	}
	if !p.holdResponse(10) {
		t.Error("a response that just fits was refused")
	}
	p.releaseResponse(DefaultResponseBudget)
	if got := p.responseBytes.Load(); got != 0 {
		t.Errorf("after all were released: %d bytes held, want 0", got)
	}
}
