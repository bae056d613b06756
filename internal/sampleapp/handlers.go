package sampleapp

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits that keep a single request to the sample app bounded.
const (
	maxSSEEvents = 10000
	maxEchoBytes = 10 << 20
	maxBytes     = 64 << 20
	maxHold      = time.Minute
	holdPoll     = 10 * time.Millisecond
)

// app serves the sample app's endpoints.
type app struct {
	cfg         config
	db          *database // nil unless --db-query
	healthCalls atomic.Int64
	helloCalls  atomic.Int64
	worker      sync.Mutex // held by the request being served, with --serial
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", a.hello)
	mux.HandleFunc("/up", a.up)
	mux.HandleFunc("/sse", a.sse)
	mux.HandleFunc("/echo", a.echo)
	mux.HandleFunc("/pid", a.pid)
	mux.HandleFunc("/headers", a.headers)
	mux.HandleFunc("/env/{name}", a.env)
	mux.HandleFunc("/bytes/{n}", a.sized)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.serial {
			// The one worker is held until the response is written (into the socket, which a
			// client that does not read fills), as a Unicorn worker is held by its client.
			a.worker.Lock()
			defer a.worker.Unlock()
		}
		w.Header().Set("X-App-Version", a.cfg.version)
		mux.ServeHTTP(w, r)
	})
}

// hello answers "hello from <version>", after ?delay= if asked, and once the file named by ?hold=
// exists if asked (so a test can keep a request in flight until a moment of its choosing).
func (a *app) hello(w http.ResponseWriter, r *http.Request) {
	delay, ok := durationParam(w, r, "delay", 0)
	if !ok {
		return
	}
	delay += a.cfg.slow
	if n := a.helloCalls.Add(1); a.cfg.failEvery > 0 && n%int64(a.cfg.failEvery) == 0 {
		http.Error(w, "failing on purpose (--fail-every)", http.StatusInternalServerError)
		return
	}
	if hold := r.URL.Query().Get("hold"); hold != "" && !waitForFile(r, hold) {
		http.Error(w, "hold: the file did not appear within "+maxHold.String(), http.StatusGatewayTimeout)
		return
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	if a.db != nil {
		v, err := a.db.read(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "hello from %s (db: %s)\n", a.cfg.version, v)
		return
	}
	fmt.Fprintf(w, "hello from %s\n", a.cfg.version)
}

func (a *app) up(w http.ResponseWriter, r *http.Request) {
	n := a.healthCalls.Add(1)
	if a.cfg.neverHealthy || (a.cfg.flapHealth && n%2 == 0) {
		http.Error(w, "unhealthy", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok")
}

// sse streams ?n= events (default 5), one every ?every= (default 100ms),
// flushing each so that the stream stays in flight between events.
func (a *app) sse(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("n"), "5"))
	if err != nil || n < 0 || n > maxSSEEvents {
		http.Error(w, fmt.Sprintf("n must be a count from 0 to %d", maxSSEEvents), http.StatusBadRequest)
		return
	}
	every, ok := durationParam(w, r, "every", 100*time.Millisecond)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	t := time.NewTimer(0)
	defer t.Stop()
	for i := range n {
		if i > 0 {
			t.Reset(every)
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprintf(w, "id: %d\ndata: event %d from %s\n\n", i, i, a.cfg.version)
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (a *app) echo(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	io.Copy(w, http.MaxBytesReader(w, r.Body, maxEchoBytes))
}

// sized answers n bytes of 'x' with their Content-Length, for tests of large responses.
func (a *app) sized(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n > maxBytes {
		http.Error(w, fmt.Sprintf("n must be a count of bytes from 0 to %d", maxBytes), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	chunk := bytes.Repeat([]byte{'x'}, min(n, 64<<10))
	for n > 0 {
		k, err := w.Write(chunk[:min(n, len(chunk))])
		if err != nil {
			return
		}
		n -= k
	}
}

func (a *app) pid(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%d\n", os.Getpid())
}

// headers writes the Host and every request header, one "Name: value" line
// each, sorted, so tests can check what a proxy forwarded.
func (a *app) headers(w http.ResponseWriter, r *http.Request) {
	lines := []string{"Host: " + r.Host}
	for name, values := range r.Header {
		for _, v := range values {
			lines = append(lines, name+": "+v)
		}
	}
	slices.Sort(lines[1:])
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, strings.Join(lines, "\n")+"\n")
}

// env answers the value of the environment variable name, if --show-env names it (an app deployed
// with its config vars shows the ones a test asks for, and no other); 404 otherwise.
func (a *app) env(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	v, ok := os.LookupEnv(name)
	if !slices.Contains(strings.Split(a.cfg.showEnv, ","), name) || !ok {
		http.Error(w, name+" is not shown (see --show-env) or not set", http.StatusNotFound)
		return
	}
	io.WriteString(w, v)
}

// durationParam reads a non-negative duration query parameter, answering
// 400 and returning false when it is malformed.
func durationParam(w http.ResponseWriter, r *http.Request, name string, def time.Duration) (time.Duration, bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 {
		http.Error(w, fmt.Sprintf("%s must be a duration such as 300ms", name), http.StatusBadRequest)
		return 0, false
	}
	return d, true
}

// waitForFile polls until path exists (true), or the request ends or maxHold passes (false).
func waitForFile(r *http.Request, path string) bool {
	deadline := time.Now().Add(maxHold)
	t := time.NewTicker(holdPoll)
	defer t.Stop()
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		select {
		case <-r.Context().Done():
			return false
		case <-t.C:
		}
	}
	return false
}
