package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/control"
)

// DefaultStatusInterval is how often an app's status stream sends the status again.
const DefaultStatusInterval = time.Second

// DefaultPollInterval is how often a rollback POST looks whether its deploy has started.
const DefaultPollInterval = 50 * time.Millisecond

// DefaultLogLines is how many recent lines a log stream sends before the new ones.
const DefaultLogLines = 100

// DefaultWriteTimeout bounds sending one event of a stream to a browser: a tab that stops
// reading ends its stream instead of holding it open forever.
const DefaultWriteTimeout = 10 * time.Second

// sse starts a server-sent event stream and returns the function that sends one event, each
// within timeout.
func sse(w http.ResponseWriter, timeout time.Duration) (func(event string, v any) error, bool) {
	rc := http.NewResponseController(w)
	deadline := func() error {
		if err := rc.SetWriteDeadline(time.Now().Add(timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return fmt.Errorf("set the write deadline: %w", err)
		}
		return nil
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx in front passes each event on at once
	if deadline() != nil {
		return nil, false
	}
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil, false
	}
	return func(event string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s event: %w", event, err)
		}
		if err := deadline(); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return fmt.Errorf("send %s event: %w", event, err)
		}
		if err := rc.Flush(); err != nil {
			return fmt.Errorf("send %s event: %w", event, err)
		}
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
	send, ok := sse(w, s.opts.WriteTimeout)
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
		if send("status", s.status.get(r.Context(), r.PathValue("app"), app)) != nil {
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
	// Follow before Tail: a line written between the two is then in one of them (or both, and
	// sent once), never in neither.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	follow := app.Follow(ctx, proc)
	lines, err := app.Tail(DefaultLogLines, proc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	send, ok := sse(w, s.opts.WriteTimeout)
	if !ok {
		return
	}
	sent := make(map[applog.Line]bool, len(lines))
	for _, l := range lines {
		sent[l] = true
		if send("line", l) != nil {
			return
		}
	}
	for l := range follow {
		if len(sent) > 0 {
			if sent[l] {
				continue
			}
			sent = nil // past the tail: no later line can be in it
		}
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
	rels, _, err := app.Releases()
	if err != nil {
		s.opts.Logger.Warn("dashboard: cannot read the releases for the hour chart", "app", name, "err", err)
	}
	return send("hour", map[string]string{"svg": string(svg(s.hourChart(name, rels)))})
}
