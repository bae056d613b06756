package sampleapp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// inProcess is a sample app served by runServer inside the test process.
type inProcess struct {
	url  string
	stop context.CancelFunc
	code chan int
}

func startInProcess(t *testing.T, cfg config) *inProcess {
	t.Helper()
	if cfg.version == "" {
		cfg.version = DefaultVersion
	}
	if cfg.shutdownTimeout == 0 {
		cfg.shutdownTimeout = DefaultShutdownTimeout
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{url: "http://" + ln.Addr().String(), stop: cancel, code: make(chan int, 1)}
	go func() { p.code <- runServer(ctx, ln, cfg, newLogger(io.Discard, io.Discard)) }()
	t.Cleanup(func() {
		cancel()
		<-p.code
	})
	return p
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp, string(body)
}

func TestEndpoints(t *testing.T) {
	app := startInProcess(t, config{version: "v7"})
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string // exact unless wantPrefix
		wantPrefix bool
	}{
		{"/", 200, "hello from v7\n", false},
		{"/?delay=20ms", 200, "hello from v7\n", false},
		{"/?delay=soon", 400, "delay must be a duration", true},
		{"/up", 200, "ok", false},
		{"/pid", 200, strconv.Itoa(os.Getpid()) + "\n", false},
		{"/sse?n=2&every=1ms", 200, "id: 0\ndata: event 0 from v7\n\nid: 1\ndata: event 1 from v7\n\n", false},
		{"/sse?n=-1", 400, "n must be a count", true},
		{"/missing", 404, "404 page not found", true},
		{"/bytes/5", 200, "xxxxx", false},
		{"/bytes/200000", 200, strings.Repeat("x", 200000), false},
		{"/bytes/-1", 400, "n must be a count of bytes", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, app.url+tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("X-App-Version"); got != "v7" {
				t.Errorf("X-App-Version: got %q, want v7", got)
			}
			if tt.wantPrefix && !strings.HasPrefix(body, tt.wantBody) || !tt.wantPrefix && body != tt.wantBody {
				t.Errorf("body: got %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestEchoAndHeaders(t *testing.T) {
	app := startInProcess(t, config{})
	t.Run("echo", func(t *testing.T) {
		resp, err := http.Post(app.url+"/echo", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if string(body) != `{"a":1}` || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %q (%s), want the body and content type back", body, resp.Header.Get("Content-Type"))
		}
	})
	t.Run("headers", func(t *testing.T) {
		req, _ := http.NewRequest("GET", app.url+"/headers", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, want := range []string{"Host: " + strings.TrimPrefix(app.url, "http://") + "\n", "X-Forwarded-For: 203.0.113.9\n", "X-Forwarded-Proto: https\n"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("got %q, want it to contain %q", body, want)
			}
		}
	})
}

func TestHealthModes(t *testing.T) {
	tests := []struct {
		name string
		cfg  config
		want []int
	}{
		{"healthy", config{}, []int{200, 200, 200, 200}},
		{"never healthy", config{neverHealthy: true}, []int{503, 503, 503, 503}},
		{"flapping", config{flapHealth: true}, []int{200, 503, 200, 503}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := startInProcess(t, tt.cfg)
			for i, want := range tt.want {
				if resp, _ := get(t, app.url+"/up"); resp.StatusCode != want {
					t.Errorf("call %d: got %d, want %d", i+1, resp.StatusCode, want)
				}
			}
		})
	}
}

// orderedWriter records the bodies written by requests, in the order they were written.
type orderedWriter struct {
	httptest.ResponseRecorder
	log *[]string
	mu  *sync.Mutex
}

func (w *orderedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	*w.log = append(*w.log, strings.TrimSpace(string(p)))
	w.mu.Unlock()
	return len(p), nil
}

// TestSerial: with --serial a request waits for the one in flight to end, as at a one-worker app
// server; without it, it is answered meanwhile.
func TestSerial(t *testing.T) {
	tests := []struct {
		serial bool
		want   []string
	}{
		{false, []string{"pid", "hello"}},
		{true, []string{"hello", "pid"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("serial=%v", tt.serial), func(t *testing.T) {
			a := &app{cfg: config{version: "v1", serial: tt.serial}}
			h := a.routes()
			var mu sync.Mutex
			var log []string
			hold := filepath.Join(t.TempDir(), "go")
			held := make(chan struct{})
			go func() {
				h.ServeHTTP(&orderedWriter{log: &log, mu: &mu}, httptest.NewRequest("GET", "/?hold="+hold, nil))
				close(held)
			}()
			deadline := time.Now().Add(10 * time.Second)
			for a.helloCalls.Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			second := make(chan struct{})
			go func() {
				h.ServeHTTP(&orderedWriter{log: &log, mu: &mu}, httptest.NewRequest("GET", "/pid", nil))
				close(second)
			}()
			if !tt.serial {
				<-second // answered while the first is held
			}
			if err := os.WriteFile(hold, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			<-held
			<-second
			mu.Lock()
			defer mu.Unlock()
			for i := range log {
				log[i] = strings.Fields(log[i])[0]
				if _, err := strconv.Atoi(log[i]); err == nil {
					log[i] = "pid"
				}
			}
			if !slices.Equal(log, tt.want) {
				t.Errorf("answers written in the order %v, want %v", log, tt.want)
			}
		})
	}
}

// TestFailEvery: --fail-every 3 answers every third request to / with 500, never /up.
func TestFailEvery(t *testing.T) {
	app := startInProcess(t, config{failEvery: 3})
	var got []int
	for range 6 {
		resp, _ := get(t, app.url+"/")
		got = append(got, resp.StatusCode)
		if resp, _ := get(t, app.url+"/up"); resp.StatusCode != 200 {
			t.Fatalf("/up answered %d", resp.StatusCode)
		}
	}
	if want := []int{200, 200, 500, 200, 200, 500}; !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
}

// TestSlow: --slow makes each request to / take at least that long.
func TestSlow(t *testing.T) {
	app := startInProcess(t, config{slow: 50 * time.Millisecond})
	start := time.Now()
	get(t, app.url+"/")
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Fatalf("a request took %s, under --slow 50ms", took)
	}
}

// TestShutdownFinishesInFlight stops the server while an event stream is
// half sent and checks that the stream still ends in full.
func TestShutdownFinishesInFlight(t *testing.T) {
	app := startInProcess(t, config{})
	resp, err := http.Get(app.url + "/sse?n=3&every=100ms")
	if err != nil {
		t.Fatalf("GET /sse: %v", err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != "id: 0\n" {
		t.Fatalf("first line: got %q, %v; want the first event", line, err)
	}

	app.stop()
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read rest of stream: %v", err)
	}
	if !strings.HasSuffix(string(rest), "data: event 2 from v1\n\n") {
		t.Errorf("got %q, want the stream to end with event 2", rest)
	}
	if code := <-app.code; code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
	app.code <- 0 // for the cleanup
	if _, err := http.Get(app.url + "/"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
}

func TestShutdownTimeoutClosesStragglers(t *testing.T) {
	app := startInProcess(t, config{shutdownTimeout: 50 * time.Millisecond})
	resp, err := http.Get(app.url + "/sse?n=2&every=1h")
	if err != nil {
		t.Fatalf("GET /sse: %v", err)
	}
	defer resp.Body.Close()
	if line, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil || line != "id: 0\n" {
		t.Fatalf("first line: got %q, %v; want the first event", line, err)
	}
	app.stop()
	code := <-app.code
	app.code <- code // for the cleanup
	if code != 1 {
		t.Errorf("exit code: got %d, want 1 when in-flight requests outlive the shutdown timeout", code)
	}
}

// TestHold: a request with ?hold=FILE stays in flight until FILE exists.
func TestHold(t *testing.T) {
	app := startInProcess(t, config{version: "v7"})
	latch := filepath.Join(t.TempDir(), "go")
	answered := make(chan string, 1)
	go func() {
		_, body := get(t, app.url+"/?hold="+latch)
		answered <- body
	}()
	select {
	case body := <-answered:
		t.Fatalf("answered %q before the file existed", body)
	case <-time.After(100 * time.Millisecond):
	}
	if err := os.WriteFile(latch, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if body := <-answered; body != "hello from v7\n" {
		t.Errorf("got %q, want hello from v7", body)
	}
}

// TestEnv: /env/NAME answers the variables --show-env names, and 404 for any other.
func TestEnv(t *testing.T) {
	t.Setenv("SAMPLE_TEST_SHOWN", "shown value")
	t.Setenv("SAMPLE_TEST_HIDDEN", "hidden value")
	app := startInProcess(t, config{showEnv: "SAMPLE_TEST_SHOWN,SAMPLE_TEST_UNSET"})
	tests := []struct {
		name     string
		wantCode int
		wantBody string
	}{
		{"SAMPLE_TEST_SHOWN", 200, "shown value"},
		{"SAMPLE_TEST_HIDDEN", 404, "not shown"},
		{"SAMPLE_TEST_UNSET", 404, "not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, app.url+"/env/"+tt.name)
			if resp.StatusCode != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Errorf("got %s %q, want %d %q", resp.Status, body, tt.wantCode, tt.wantBody)
			}
		})
	}
}
