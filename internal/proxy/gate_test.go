package proxy

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// TestGateGoesWhenNeither: once a site is neither paused nor in maintenance it has no gate again,
// so its requests are back to one atomic load.
func TestGateGoesWhenNeither(t *testing.T) {
	p := New(Options{})
	s := p.Site()
	steps := []struct {
		name string
		do   func()
		gate bool
	}{
		{"paused", func() { s.Pause(time.Minute) }, true},
		{"and in maintenance", func() { s.SetMaintenance(&Maintenance{}) }, true},
		{"resumed", func() { s.Resume() }, true},
		{"out of maintenance", func() { s.SetMaintenance(nil) }, false},
		{"maintenance alone", func() { s.SetMaintenance(&Maintenance{}) }, true},
		{"over again", func() { s.SetMaintenance(nil) }, false},
	}
	for _, st := range steps {
		st.do()
		if got := s.gate.Load() != nil; got != st.gate {
			t.Errorf("%s: got a gate %v, want %v", st.name, got, st.gate)
		}
	}
}

// TestPauseWithMaintenance: paused and in maintenance, other clients get the maintenance page at
// once and the allowed one is held until resumed.
func TestPauseWithMaintenance(t *testing.T) {
	p, base := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	p.Site().SetMaintenance(&Maintenance{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	p.Site().Pause(time.Minute)
	if status, retry, _ := getFrom(t, "127.0.0.1", base, ""); status != "503" || retry != "60" {
		t.Errorf("another client: got %s with Retry-After %q, want the maintenance page at once", status, retry)
	}
	allowed := make(chan string, 1)
	go func() {
		status, _, _ := getFrom(t, "127.0.0.2", base, "")
		allowed <- status
	}()
	waitFor(t, func() bool { _, held := p.Site().Paused(); return held == 1 })
	p.Site().Resume()
	if got := <-allowed; got != "200" {
		t.Errorf("the allowed client once resumed: got %s, want %d", got, http.StatusOK)
	}
}
