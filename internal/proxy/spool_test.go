package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// bodyFilesOpen counts the files of dir this process holds open.
func bodyFilesOpen(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, fd := range fds {
		if to, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(to, dir+"/"+bodyFilePrefix) {
			n++
		}
	}
	return n
}

func pollUntilTrue(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
	}
}

func TestBodyReadError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{errors.New("invalid byte in chunk length"), ErrMalformedRequest},
		{errors.New("http: unexpected EOF reading trailer"), ErrClientGone},
		{os.ErrDeadlineExceeded, ErrClientGone},
		{io.ErrUnexpectedEOF, ErrClientGone},
		{&http.MaxBytesError{Limit: 1}, ErrBodyTooLarge},
		{ErrBodyTooLarge, ErrBodyTooLarge},
	} {
		if got := bodyReadError(tc.err); !errors.Is(got, tc.want) {
			t.Errorf("bodyReadError(%v) = %v, want it to wrap %v", tc.err, got, tc.want)
		}
	}
}

// TestSpoolFailureIs503: a body that cannot be buffered on disk (here: the body directory is gone,
// as a full disk would fail it) gets 503 with Retry-After, on both paths, never 502: it is cutover's
// fault, not the app's, and the app never saw the request.
func TestSpoolFailureIs503(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	var reached atomic.Int32
	app := startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	p, url := startProxy(t, Options{BodyDir: dir})
	p.Site().SetBuffering(Buffering{Requests: true, BodyMemory: 1 << 10})
	p.Switch(NewPool("v1", []Backend{app}))
	body := strings.Repeat("x", 4<<10)
	for _, general := range []bool{false, true} {
		req, _ := http.NewRequest("POST", url+"/up", strings.NewReader(body))
		if general {
			req.Header.Set("Expect", "100-continue") // the general path takes such a request
		}
		res, err := newClient(t).Do(req)
		if err != nil {
			t.Fatalf("general=%v: %v", general, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("general=%v: got %d, Retry-After %q; want 503 with Retry-After", general, res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the app saw %d requests, want none", n)
	}
}

// TestBodyPastMemoryGoesToAFile: a body longer than the memory part is spooled to a file in
// BodyDir, which is gone when the request ends, and the app gets the body whole.
func TestBodyPastMemoryGoesToAFile(t *testing.T) {
	dir := t.TempDir()
	got := make(chan string, 1)
	app := startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	p, url := startProxy(t, Options{BodyDir: dir})
	p.Site().SetBuffering(Buffering{Requests: true, BodyMemory: 1 << 10})
	p.Switch(NewPool("v1", []Backend{app}))

	body := strings.Repeat("0123456789", 1000)
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			nc := dialProxy(t, url)
			if chunked {
				fmt.Fprintf(nc, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", 5000, body[:5000])
			} else {
				fmt.Fprintf(nc, "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:5000])
			}
			pollUntilTrue(t, "a body file open", func() bool { return bodyFilesOpen(t, dir) == 1 })
			if chunked {
				fmt.Fprintf(nc, "%x\r\n%s\r\n0\r\n\r\n", 5000, body[5000:])
			} else {
				io.WriteString(nc, body[5000:])
			}
			res, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("got %v %v, want 200", res, err)
			}
			if b := <-got; b != body {
				t.Errorf("app got %d bytes, want the %d sent", len(b), len(body))
			}
			pollUntilTrue(t, "the body file closed", func() bool { return bodyFilesOpen(t, dir) == 0 })
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%d files left in the body directory, want none", len(left))
			}
		})
	}
}

// TestMaxBody: a body over MaxBody gets 413 and never reaches the app: at once by its
// Content-Length, and once it grows past the limit when chunked; on the general path too
// (Expect: 100-continue, HTTP/2).
func TestMaxBody(t *testing.T) {
	reached := make(chan int64, 8)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		reached <- n
	})
	tests := []struct {
		name, head, body string
		want             int
	}{
		{"length over", "Content-Length: 101\r\n", "", 413},
		{"chunked over", "Transfer-Encoding: chunked\r\n", "40\r\n" + strings.Repeat("x", 64) + "\r\n40\r\n" + strings.Repeat("x", 64) + "\r\n0\r\n\r\n", 413},
		{"length within", "Content-Length: 100\r\n", strings.Repeat("x", 100), 200},
		{"chunked within", "Transfer-Encoding: chunked\r\n", "40\r\n" + strings.Repeat("x", 64) + "\r\n0\r\n\r\n", 200},
	}
	p, url := startProxy(t, Options{})
	p.Site().SetBuffering(Buffering{Requests: true, MaxBody: 100})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", app)}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := dialProxy(t, url)
			io.WriteString(nc, "POST /up HTTP/1.1\r\nHost: a\r\n"+tt.head+"\r\n"+tt.body)
			res, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.want {
				t.Errorf("got %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == 200 {
				<-reached
			}
		})
	}
	t.Run("expect 100-continue over", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, url+"/up", bytes.NewReader(make([]byte, 200)))
		req.Header.Set("Expect", "100-continue")
		res, err := newClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Errorf("got %d, want 413", res.StatusCode)
		}
	})
	t.Run("expect 100-continue within", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, url+"/up", bytes.NewReader(make([]byte, 50)))
		req.Header.Set("Expect", "100-continue")
		res, err := newClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("got %d, want 200", res.StatusCode)
		}
		if n := <-reached; n != 50 {
			t.Errorf("app got %d bytes, want 50", n)
		}
	})
	select {
	case n := <-reached:
		t.Errorf("a body of %d bytes reached the app, want none past the tests within the limit", n)
	default:
	}
}

// TestHTTP2Buffering: over HTTP/2 a body is buffered in full (past memory, in a file) and one
// over MaxBody gets 413.
func TestHTTP2Buffering(t *testing.T) {
	dir := t.TempDir()
	app := startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d %d", n, r.ContentLength)
	}))
	p, addr, roots := startTLSProxy(t, Options{BodyDir: dir})
	p.Site().SetBuffering(Buffering{Requests: true, BodyMemory: 1 << 10, MaxBody: 10 << 10})
	p.Switch(NewPool("v1", []Backend{app}))
	c := tlsClient(t, roots, true)
	tests := []struct {
		size       int
		wantStatus int
		wantBody   string
	}{
		{5000, 200, "5000 5000"},
		{20 << 10, 413, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			pr, pw := io.Pipe() // no length: sent as a stream
			go func() { pw.Write(make([]byte, tt.size)); pw.Close() }()
			req, _ := http.NewRequest(http.MethodPost, "https://"+addr+"/up", pr)
			status, body, err := readAll(c.Do(req))
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus || tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in the body directory, want none", len(left))
	}
}

func TestSweepBodyFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{bodyFilePrefix + "1", bodyFilePrefix + "2", "keep"} {
		os.WriteFile(filepath.Join(dir, name), nil, 0o600)
	}
	if err := SweepBodyFiles(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != "keep" {
		t.Errorf("left %v, want only keep", left)
	}
}

// TestEarlyAnswerToASpooledBody: an app that answers a buffered upload before reading its body,
// and then reads no more (as a server refusing an upload may), does not hold the request for ever:
// the write of the body gives up after ResponseHeaderTimeout and the app's answer is sent on.
func TestEarlyAnswerToASpooledBody(t *testing.T) {
	release := make(chan struct{})
	backend := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err == nil {
			io.WriteString(c, "HTTP/1.1 413 Request Entity Too Large\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbig")
		}
		<-release // holds the connection open, reading nothing
	})
	t.Cleanup(func() { close(release) })
	p, url := startProxy(t, Options{BodyDir: t.TempDir(), ResponseHeaderTimeout: 500 * time.Millisecond})
	p.Site().SetBuffering(Buffering{Requests: true})
	p.Switch(NewPool("v1", []Backend{backend}))
	// Larger than what the kernel's buffers take without the app reading.
	body := bytes.Repeat([]byte("x"), 32<<20)
	res, err := newClient(t).Post(url+"/upload", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || string(got) != "big" {
		t.Errorf("got %d %q, want the app's 413 big", res.StatusCode, got)
	}
}
