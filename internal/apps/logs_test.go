package apps

import (
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/applog"
)

// TestKeepProcess: "web" keeps every web process, "web.2" that one, "" everything.
func TestKeepProcess(t *testing.T) {
	lines := []applog.Line{{Process: "web.1"}, {Process: "web.2"}, {Process: "worker.1"}, {Process: "webhook.1"}}
	for proc, want := range map[string]string{"web": "web.1 web.2", "web.2": "web.2", "worker": "worker.1"} {
		keep := keepProcess(proc)
		var got []string
		for _, l := range lines {
			if keep(l) {
				got = append(got, l.Process)
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("keepProcess(%q): got %v, want %s", proc, got, want)
		}
	}
	if keepProcess("") != nil {
		t.Error(`keepProcess("") filters`)
	}
}

// TestTailUnknownProcess: asking a new app for the lines of a process it has not names the ones it has.
func TestTailUnknownProcess(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Tail(10, "nope"); err == nil || !strings.Contains(err.Error(), "its process types are release") {
		t.Fatalf("got %v", err)
	}
	if lines, err := a.Tail(10, ""); err != nil || len(lines) != 0 {
		t.Fatalf("a new app's log: %v, %v", lines, err)
	}
}
