package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTabs opens tabs on an event stream, each its own connection, and counts what they read;
// close ends every stream.
func TestTabs(t *testing.T) {
	var open atomic.Int64
	stream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		open.Add(1)
		defer open.Add(-1)
		w.Header().Set("Content-Type", "text/event-stream")
		// A data line longer than the reader's buffer, as the hour chart's SVG is.
		fmt.Fprintf(w, "event: hour\ndata: %s\n\nevent: status\ndata: {}\n\n", strings.Repeat("s", 10000))
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(stream.Close)
	const n = 4
	tb := openTabs(stream.URL, n)
	if err := tb.waitConnected(context.Background(), &child{name: "stream", done: make(chan struct{})}); err != nil {
		tb.close()
		t.Fatal(err)
	}
	if got := open.Load(); got != n {
		t.Errorf("got %d streams open, want %d", got, n)
	}
	tb.close()
	rep := tb.report()
	if rep.Tabs != n || rep.Connected != n || rep.Events != 2*n || rep.Reopened != 0 || rep.FirstError != "" {
		t.Errorf("got %+v, want %d tabs connected, %d events, none reopened, no error", rep, n, 2*n)
	}
	deadline := time.Now().Add(DefaultStartTimeout)
	for open.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(pollInterval)
	}
	if got := open.Load(); got != 0 {
		t.Errorf("after close: got %d streams open, want 0", got)
	}
}

// TestTabsRefused: a stream that answers an error connects no tab, and waitConnected says so.
func TestTabsRefused(t *testing.T) {
	refuse := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(refuse.Close)
	tb := openTabs(refuse.URL, 2)
	defer tb.close()
	deadline := time.Now().Add(DefaultStartTimeout)
	for tb.report().FirstError == "" && time.Now().Before(deadline) {
		time.Sleep(pollInterval)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*pollInterval)
	defer cancel()
	err := tb.waitConnected(ctx, &child{name: "refuse", done: make(chan struct{})})
	if err == nil || !strings.Contains(err.Error(), "0 of 2") {
		t.Errorf("got %v, want an error that no tab connected", err)
	}
	if rep := tb.report(); rep.Connected != 0 || !strings.Contains(rep.FirstError, "404") {
		t.Errorf("got %+v, want no tab connected and the 404 as the first error", rep)
	}
}
