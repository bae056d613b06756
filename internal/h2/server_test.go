package h2

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// echo answers with what it was asked: method, path, a header, the body's digest and length, and
// the request's trailers as response trailers.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Trailer", "X-Echo-Trailer")
	fmt.Fprintf(w, "%s %s %s %x %d", r.Method, r.URL.RequestURI(), r.Header.Get("X-Test"), sha256.Sum256(body), len(body))
	w.Header().Set("X-Echo-Trailer", r.Trailer.Get("X-Req-Trailer"))
})

func TestServe(t *testing.T) {
	addr := serve(t, &Server{Handler: echo})
	c := client(t)
	big := strings.Repeat("0123456789", 300_000) // 3 MB: past every window, both ways
	for _, tt := range []struct {
		name, method, body string
		trailer            string
	}{
		{"get", "GET", "", ""},
		{"post", "POST", "a small body", ""},
		{"upload past the windows", "PUT", big, ""},
		{"trailers both ways", "POST", "with trailers", "t-value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, _ := http.NewRequest(tt.method, "http://"+addr+"/p?q=1", body)
			req.Header.Set("X-Test", "yes")
			if tt.trailer != "" {
				req.Trailer = http.Header{"X-Req-Trailer": {tt.trailer}}
				req.ContentLength = -1
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%s /p?q=1 yes %x %d", tt.method, sha256.Sum256([]byte(tt.body)), len(tt.body))
			if res.StatusCode != 200 || string(got) != want {
				t.Errorf("got %d %q, want 200 %q", res.StatusCode, got, want)
			}
			if res.ProtoMajor != 2 {
				t.Errorf("got %s, want HTTP/2", res.Proto)
			}
			if tr := res.Trailer.Get("X-Echo-Trailer"); tr != tt.trailer {
				t.Errorf("got trailer %q, want %q", tr, tt.trailer)
			}
		})
	}
}

// TestLargeResponse: a response of many windows' worth arrives whole, the client's windows opening
// as it reads.
func TestLargeResponse(t *testing.T) {
	big := strings.Repeat("abcdefgh", 1<<20) // 8 MB
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		io.WriteString(w, big)
	})})
	res, err := client(t).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil || string(got) != big {
		t.Fatalf("got %d bytes (%v), want %d", len(got), err, len(big))
	}
}

// TestManyStreams: streams answered at the same time on one connection each get their own answer.
func TestManyStreams(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path)
	})})
	c := client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 400 {
		wg.Go(func() {
			path := fmt.Sprintf("/%d", i)
			res, err := c.Get("http://" + addr + path)
			if err != nil {
				errs <- err
				return
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || string(body) != path {
				errs <- fmt.Errorf("%s: got %q (%v)", path, body, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestShutdown: Shutdown lets a request in flight finish, tells the client GOAWAY, and returns
// once the connection is closed.
func TestShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})}
	addr := serve(t, srv)
	type result struct {
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		res, err := client(t).Get("http://" + addr + "/")
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		done <- result{string(b), err}
	}()
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	time.Sleep(50 * time.Millisecond)
	if srv.Open() != 1 {
		t.Errorf("got %d connections open during Shutdown, want the one in flight", srv.Open())
	}
	close(release)
	if r := <-done; r.err != nil || r.body != "finished" {
		t.Errorf("got %q (%v), want the request in flight finished", r.body, r.err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if srv.Open() != 0 {
		t.Errorf("got %d connections open after Shutdown, want 0", srv.Open())
	}
}
