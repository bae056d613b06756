package proxy

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestStall: a call that waits past the timeout is cut, once; quiet between calls, however long,
// cuts nothing; nothing is cut after stop.
func TestStall(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, tt := range []struct {
		name    string
		run     func(s *stall)
		wantCut bool
	}{
		{"a call that waits", func(s *stall) { s.begin() }, true},
		{"quiet between calls", func(s *stall) { s.begin(); s.end(); time.Sleep(3 * timeout) }, false},
		{"calls that each return in time", func(s *stall) {
			for range 10 {
				s.begin()
				time.Sleep(time.Millisecond)
				s.end()
			}
		}, false},
		{"stopped while a call waits", func(s *stall) { s.begin(); s.stop(); time.Sleep(3 * timeout) }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var cuts atomic.Int32
			s := &stall{timeout: timeout, cut: func() { cuts.Add(1) }}
			tt.run(s)
			if tt.wantCut {
				deadline := time.Now().Add(waitLimit)
				for cuts.Load() == 0 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
			}
			s.stop()
			if got := cuts.Load(); got != map[bool]int32{false: 0, true: 1}[tt.wantCut] || s.cutOff() != tt.wantCut {
				t.Errorf("got %d cuts (cutOff %v), want cut %v", got, s.cutOff(), tt.wantCut)
			}
		})
	}
}

// TestQuietStreamOverHTTP2: an event stream whose app is quiet for longer than the send timeout
// is not cut over HTTP/2, where a stream's write deadline is a timer that fires whether or not a
// write waits.
func TestQuietStreamOverHTTP2(t *testing.T) {
	const send = 100 * time.Millisecond
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(4 * send) // the app has nothing to say for a while
		fmt.Fprint(w, "data: 2\n\n")
	})
	p, addr, roots := startTLSProxy(t, Options{SendTimeout: send})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
	status, body, err := readAll(tlsClient(t, roots, true).Get("https://" + addr + "/events"))
	if err != nil || status != http.StatusOK || body != "data: 1\n\ndata: 2\n\n" {
		t.Errorf("got %d %q, %v; want 200 and both events", status, body, err)
	}
}
