package process

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a slog.Handler that keeps records for inspection.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// restart is what one "process exited, restarting" record says.
type restart struct {
	process string
	err     string
	attempt int64
	delay   time.Duration
}

func (r *recorder) restarts() []restart {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []restart
	for _, rec := range r.recs {
		if rec.Message != "process exited, restarting" {
			continue
		}
		var rs restart
		rec.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "process":
				rs.process = a.Value.String()
			case "err":
				rs.err = a.Value.String()
			case "attempt":
				rs.attempt = a.Value.Int64()
			case "delay":
				rs.delay = a.Value.Duration()
			}
			return true
		})
		out = append(out, rs)
	}
	return out
}

func newTestGroup(t *testing.T) (*Group, *recorder) {
	t.Helper()
	rec := &recorder{}
	g := NewGroup(slog.New(rec))
	t.Cleanup(func() { _ = g.Stop(time.Second) })
	return g, rec
}

func TestSuperviseRestartsWithBackoff(t *testing.T) {
	g, rec := newTestGroup(t)
	var mu sync.Mutex
	var pairs [][2]*Process
	g.OnRestart(func(old, new *Process) {
		mu.Lock()
		defer mu.Unlock()
		pairs = append(pairs, [2]*Process{old, new})
	})
	steady, err := g.Start(Spec{Name: "web.1", Command: "sleep 60"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := g.Start(Spec{Name: "worker.1", Command: script(t, "echo crashing; exit 3")})
	if err != nil {
		t.Fatal(err)
	}
	g.Supervise()
	waitFor(t, "three restarts", func() bool { return len(rec.restarts()) >= 3 })

	want := []restart{
		{"worker.1", "worker.1 exited with status 3", 1, DefaultRestartMin},
		{"worker.1", "worker.1 exited with status 3", 2, 2 * DefaultRestartMin},
		{"worker.1", "worker.1 exited with status 3", 3, 4 * DefaultRestartMin},
	}
	if got := rec.restarts()[:3]; !slices.Equal(got, want) {
		t.Errorf("restarts: got %+v, want %+v", got, want)
	}
	procs := g.Processes()
	if len(procs) != 2 || procs[0] != steady || procs[1] == first || procs[1].Name() != "worker.1" {
		t.Errorf("Processes: got %v, want web.1 as started, then a new worker.1", procs)
	}

	if err := g.Stop(time.Second); err != nil {
		t.Fatalf("Stop: got %v, want nil", err)
	}
	n := len(rec.restarts())
	mu.Lock()
	defer mu.Unlock()
	if len(pairs) < 2 || pairs[0][0] != first || pairs[1][0] != pairs[0][1] {
		t.Errorf("OnRestart: got %d calls, want at least 2, each old being the previous new", len(pairs))
	}
	select {
	case <-steady.Done():
	default:
		t.Error("web.1 still running after Stop")
	}
	if got := len(rec.restarts()); got != n {
		t.Errorf("restarts after Stop: got %d, want %d", got, n)
	}
}

func TestSuperviseRestartsAlreadyExited(t *testing.T) {
	g, rec := newTestGroup(t)
	p, err := g.Start(Spec{Name: "web.1", Command: "true"})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if got := g.Processes()[0]; got != p {
		t.Fatalf("before Supervise: got a replacement, want the exited process kept")
	}
	g.Supervise()
	waitFor(t, "a restart", func() bool { return g.Processes()[0] != p })
	if got := rec.restarts()[0].err; got != "exited with status 0" {
		t.Errorf("logged err: got %q, want %q", got, "exited with status 0")
	}
}

func TestSuperviseSparesStoppedProcess(t *testing.T) {
	g, rec := newTestGroup(t)
	g.restartMin = time.Millisecond
	p, err := g.Start(Spec{Name: "web.1", Command: "sleep 60"})
	if err != nil {
		t.Fatal(err)
	}
	g.Supervise()
	if err := p.Stop(failAfter); err != nil {
		t.Fatal(err)
	}
	// A restart would come within a millisecond or so; allow it far longer.
	time.Sleep(300 * time.Millisecond)
	if got := rec.restarts(); len(got) != 0 || g.Processes()[0] != p {
		t.Errorf("got restarts %+v, want none for a process stopped with Stop", got)
	}
}

// TestGroupRemove: a removed process is stopped, forgotten and not restarted, even when it was
// waiting for a restart; the others run on.
func TestGroupRemove(t *testing.T) {
	g, _ := newTestGroup(t)
	g.restartMin = 50 * time.Millisecond
	keep, err := g.Start(Spec{Name: "web.1", Command: "sleep 60"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := g.Start(Spec{Name: "web.2", Command: "sleep 60"})
	if err != nil {
		t.Fatal(err)
	}
	starts := filepath.Join(t.TempDir(), "starts")
	crashing, err := g.Start(Spec{Name: "web.3", Command: "echo start >> " + starts + "; exit 1"})
	if err != nil {
		t.Fatal(err)
	}
	g.Supervise()
	<-crashing.Done() // its restart now waits out the backoff
	if err := g.Remove("web.2", failAfter); err != nil {
		t.Fatal(err)
	}
	if err := g.Remove("web.3", failAfter); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gone.Done():
	default:
		t.Fatal("web.2 still runs after Remove")
	}
	time.Sleep(300 * time.Millisecond) // far longer than web.3's backoff
	if procs := g.Processes(); len(procs) != 1 || procs[0] != keep {
		t.Fatalf("processes after Remove: %v, want web.1 alone", procs)
	}
	if b, err := os.ReadFile(starts); err != nil || strings.Count(string(b), "start") != 1 {
		t.Errorf("web.3 started %q times (%v): want once, no restart after Remove", b, err)
	}
	if err := g.Remove("web.9", failAfter); err == nil {
		t.Error("Remove of a process the group lacks: no error")
	}
}

func TestGroupStopJoinsErrors(t *testing.T) {
	g, _ := newTestGroup(t)
	stubborn, err := g.Start(Spec{Name: "web.1", Command: script(t, `trap '' TERM; echo ready; exec sleep 60`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Start(Spec{Name: "web.2", Command: "sleep 60"}); err != nil {
		t.Fatal(err)
	}
	waitLine(t, stubborn, "ready")
	err = g.Stop(100 * time.Millisecond)
	if !errors.Is(err, ErrKilled) || !strings.Contains(err.Error(), "web.1") || strings.Contains(err.Error(), "web.2") {
		t.Errorf("got %v, want ErrKilled for web.1 only", err)
	}
	for _, p := range g.Processes() {
		select {
		case <-p.Done():
		default:
			t.Errorf("%s still running after Stop", p.Name())
		}
	}
	if _, err := g.Start(Spec{Name: "web.3", Command: "true"}); !errors.Is(err, ErrGroupStopped) {
		t.Errorf("Start after Stop: got %v, want ErrGroupStopped", err)
	}
	if err := g.Stop(time.Second); err != nil {
		t.Errorf("second Stop: got %v, want nil", err)
	}
}

func TestGroupStopLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	g, rec := newTestGroup(t)
	for _, spec := range []Spec{
		{Name: "web.1", Command: "sleep 60"},
		{Name: "worker.1", Command: "sh -c 'echo crash >&2; exit 1'"},
		{Name: "worker.2", Command: "sleep 60"},
	} {
		if _, err := g.Start(spec); err != nil {
			t.Fatal(err)
		}
	}
	g.Supervise()
	waitFor(t, "a restart", func() bool { return len(rec.restarts()) > 0 })
	if err := g.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestBackoff(t *testing.T) {
	g := NewGroup(nil)
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{5, 1600 * time.Millisecond},
		{9, 25600 * time.Millisecond},
		{10, DefaultRestartMax},
		{1000, DefaultRestartMax},
	}
	for _, tt := range tests {
		if got := g.backoff(tt.attempt); got != tt.want {
			t.Errorf("backoff(%d): got %v, want %v", tt.attempt, got, tt.want)
		}
	}
}
