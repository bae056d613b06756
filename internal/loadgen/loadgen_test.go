package loadgen

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// runBound is the Duration of runs that are meant to end by MaxRequests; it
// only bounds a broken test.
const runBound = 30 * time.Second

func server(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func run(t *testing.T, opts Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestRunClosedLoop(t *testing.T) {
	var served atomic.Int64
	url := server(t, func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("X-App-Version", "v9")
		io.WriteString(w, "hello")
	})
	res := run(t, Options{URL: url, Concurrency: 4, MaxRequests: 50, Duration: runBound,
		VersionHeader: "X-App-Version", KeepSamples: true})

	if res.Sent != 50 || res.OK != 50 || res.Failed != 0 || res.Retries != 0 {
		t.Errorf("got %v, want 50 sent, 50 ok, no failures or retries", res)
	}
	if got := served.Load(); got != 50 {
		t.Errorf("server saw %d requests, want 50", got)
	}
	if len(res.Samples) != 50 {
		t.Fatalf("samples: got %d, want 50", len(res.Samples))
	}
	for i, s := range res.Samples {
		if s.Version != "v9" || s.Status != 200 || s.End.Before(s.Start) {
			t.Errorf("sample %d: got %+v, want v9, 200 and End after Start", i, s)
		}
		if i > 0 && s.Start.Before(res.Samples[i-1].Start) {
			t.Errorf("sample %d starts before sample %d", i, i-1)
		}
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Errorf("latencies: got p50 %v p99 %v max %v, want 0 < p50 <= p99 <= max", res.P50, res.P99, res.Max)
	}
}

// TestRunSendsMethodAndBody: every request has the method, body and Host asked for.
func TestRunSendsMethodAndBody(t *testing.T) {
	var matched atomic.Int64
	url := server(t, func(w http.ResponseWriter, r *http.Request) {
		if body, _ := io.ReadAll(r.Body); r.Method == "POST" && string(body) == "ping" && r.Host == "blog.test" {
			matched.Add(1)
		}
	})
	res := run(t, Options{URL: url, Method: "POST", Body: []byte("ping"), Host: "blog.test", MaxRequests: 5, Duration: runBound})
	if res.OK != 5 || matched.Load() != 5 {
		t.Errorf("got %d ok and %d matching bodies, want 5 and 5", res.OK, matched.Load())
	}
}

// closedPort returns the URL of a port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ln.Close()
	return "http://" + ln.Addr().String() + "/"
}

// resetting answers every request by resetting its connection (SO_LINGER 0
// makes close send RST).
func resetting(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestRunFailureClasses(t *testing.T) {
	tests := []struct {
		name    string
		url     func(t *testing.T) string
		timeout time.Duration
		want    Class
	}{
		{"refused", closedPort, 0, ClassRefused},
		{"reset", func(t *testing.T) string { return server(t, resetting) }, 0, ClassReset},
		{"5xx", func(t *testing.T) string {
			return server(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
		}, 0, ClassServerError},
		{"4xx", func(t *testing.T) string { return server(t, http.NotFound) }, 0, ClassOther},
		{"timeout", func(t *testing.T) string {
			return server(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		}, 100 * time.Millisecond, ClassTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, Options{URL: tt.url(t), Concurrency: 1, MaxRequests: 3, Duration: runBound,
				Timeout: tt.timeout, KeepSamples: true})
			if res.Sent != 3 || res.Failed != 3 || res.ByClass[tt.want] != 3 {
				t.Errorf("got %v (by class %v), want 3 sent, 3 failed as %q", res, res.ByClass, tt.want)
			}
			for _, s := range res.Samples {
				if s.Class != tt.want {
					t.Errorf("sample: got class %q (status %d, err %v), want %q", s.Class, s.Status, s.Err, tt.want)
				}
			}
		})
	}
}

func TestRunOpenLoopFixedClock(t *testing.T) {
	url := server(t, func(w http.ResponseWriter, r *http.Request) {})
	res := run(t, Options{URL: url, Rate: 200, Duration: 500 * time.Millisecond, KeepSamples: true})

	// 200/s for 500ms: requests are due at 0, 5ms, ..., 495ms.
	if got := res.Sent + res.Unsent; got != 100 {
		t.Errorf("sent %d + unsent %d: got %d, want the 100 scheduled", res.Sent, res.Unsent, got)
	}
	if res.Sent < 50 || res.Failed != 0 {
		t.Errorf("got %v, want at least half of 100 sent and none failed", res)
	}
	seen := map[time.Duration]bool{}
	for _, s := range res.Samples {
		off := s.Start.Sub(res.Samples[0].Start)
		if off%(5*time.Millisecond) != 0 || seen[off] {
			t.Errorf("sample due at +%v: want a distinct multiple of 5ms", off)
		}
		seen[off] = true
	}
}

func TestRunOpenLoopMaxRequests(t *testing.T) {
	url := server(t, func(w http.ResponseWriter, r *http.Request) {})
	res := run(t, Options{URL: url, Rate: 1000, MaxRequests: 20, Duration: runBound})
	if got := res.Sent + res.Unsent; got != 20 {
		t.Errorf("sent %d + unsent %d: got %d, want 20", res.Sent, res.Unsent, got)
	}
}

// TestRunOpenLoopChargesQueueing checks that latency counts from when a
// request was due: with one worker and a server slower than the schedule,
// each request is due before the previous one has ended.
func TestRunOpenLoopChargesQueueing(t *testing.T) {
	url := server(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond) // a slow server, three times the schedule's interval
	})
	res := run(t, Options{URL: url, Rate: 100, Concurrency: 1, MaxRequests: 5, Duration: runBound, KeepSamples: true})
	if res.Sent != 5 || res.OK != 5 {
		t.Fatalf("got %v, want 5 sent and ok", res)
	}
	for k := 1; k < len(res.Samples); k++ {
		prev, s := res.Samples[k-1], res.Samples[k]
		if got, want := s.Start.Sub(prev.Start), 10*time.Millisecond; got != want {
			t.Errorf("sample %d due %v after the previous, want %v", k, got, want)
		}
		if !s.Start.Before(prev.End) {
			t.Errorf("sample %d: due at %v, after the previous ended at %v; want its wait charged", k, s.Start, prev.End)
		}
	}
}

func TestRunOpenLoopUnsent(t *testing.T) {
	url := server(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	// One worker whose every request outlives the run: the rest of the
	// schedule can never go out.
	res := run(t, Options{URL: url, Rate: 100, Concurrency: 1, Duration: 200 * time.Millisecond, Timeout: 300 * time.Millisecond})
	if res.Sent > 1 || res.Sent+res.Unsent != 20 {
		t.Errorf("got %v, want at most 1 sent and sent + unsent = 20", res)
	}
}

// closeAfterOne serves one request per connection and then, on reading the
// next request, closes the connection without answering: the client had
// every reason to reuse the kept-alive connection and must retry elsewhere.
func closeAfterOne(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for i := 0; ; i++ {
					req, err := http.ReadRequest(br)
					if err != nil || i > 0 {
						return
					}
					io.Copy(io.Discard, req.Body)
					io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

func TestRunCountsRetries(t *testing.T) {
	res := run(t, Options{URL: closeAfterOne(t), Concurrency: 1, MaxRequests: 5, Duration: runBound, KeepSamples: true})
	if res.Sent != 5 || res.Failed != 0 {
		t.Errorf("got %v, want 5 sent and none failed: the client retries a GET", res)
	}
	if res.Retries == 0 {
		t.Errorf("retries: got 0, want the silent retries counted")
	}
	t.Log(res)
	var retried int64
	for _, s := range res.Samples {
		if s.Retried {
			retried++
		}
	}
	if retried != res.Retries {
		t.Errorf("samples marked retried: got %d, want %d", retried, res.Retries)
	}
}

func TestRunContextCancel(t *testing.T) {
	arrived := make(chan struct{}, 1)
	url := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	res, err := Run(ctx, Options{URL: url, Concurrency: 2, Duration: runBound})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	if res == nil || res.Sent != 0 {
		t.Errorf("got %v, want a result with the cut-short requests left out", res)
	}
}
