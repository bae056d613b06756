package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
)

// DefaultStatusInterval is how often an app's status stream sends the status again.
const DefaultStatusInterval = time.Second

// DefaultPollInterval is how often a rollback POST looks whether its deploy has started.
const DefaultPollInterval = 50 * time.Millisecond

// DefaultLogLines is how many recent lines a log stream sends before the new ones.
const DefaultLogLines = 100

// sse starts a server-sent event stream and returns the function that sends one event.
func sse(w http.ResponseWriter) (func(event string, v any) error, bool) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported here", http.StatusInternalServerError)
		return nil, false
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	return func(event string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s event: %w", event, err)
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return fmt.Errorf("send %s event: %w", event, err)
		}
		fl.Flush()
		return nil
	}, true
}

// statusEvents streams the app's status (control.Status, with the steps of a deploy under way) and
// its hour chart, until the client goes.
func (s *Server) statusEvents(w http.ResponseWriter, r *http.Request) {
	app, ok := s.app(w, r)
	if !ok {
		return
	}
	send, ok := sse(w)
	if !ok {
		return
	}
	tick := time.NewTicker(DefaultStatusInterval)
	defer tick.Stop()
	var drawn time.Time // the newest point of the hour chart the page has
	for {
		if err := s.sendHour(send, r.PathValue("app"), app, &drawn); err != nil {
			return
		}
		if send("status", app.Status(r.Context())) != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

// logEvents streams the app's log, of one process when ?process= names it: the last lines, then
// each new one.
func (s *Server) logEvents(w http.ResponseWriter, r *http.Request) {
	app, ok := s.app(w, r)
	if !ok {
		return
	}
	proc := r.URL.Query().Get("process")
	lines, err := app.Tail(DefaultLogLines, proc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	send, ok := sse(w)
	if !ok {
		return
	}
	for _, l := range lines {
		if send("line", l) != nil {
			return
		}
	}
	for l := range app.Follow(r.Context(), proc) {
		if send("line", l) != nil {
			return
		}
	}
}

// sendHour sends the app's hour chart again when the history has a point newer than drawn.
func (s *Server) sendHour(send func(string, any) error, name string, app control.AppService, drawn *time.Time) error {
	if s.hist == nil {
		return nil
	}
	pts := s.hist.series(name)
	if len(pts) == 0 || !pts[len(pts)-1].Time.After(*drawn) {
		return nil
	}
	*drawn = pts[len(pts)-1].Time
	rels, _, _ := app.Releases()
	return send("hour", map[string]string{"svg": string(svg(s.hourChart(name, rels)))})
}
