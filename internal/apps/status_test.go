package apps

import (
	"context"
	"strings"
	"testing"
)

// TestSocketHealth: in socket mode, what the boot check saw is said beside what $PORT answers now.
func TestSocketHealth(t *testing.T) {
	for _, tc := range []struct{ probed, ready, want string }{
		{noAnswer, "", "socket mode: cutover is not on the request path; it may serve the shared socket only"},
		{noAnswer, "ready: said READY=1", "ready: said READY=1; no answer on $PORT now"},
		{"unhealthy: 503 Service Unavailable", "ready", "ready; $PORT now: 503 Service Unavailable"},
	} {
		if got := socketHealth(tc.probed, tc.ready); !strings.Contains(got, tc.want) {
			t.Errorf("socketHealth(%q, %q) = %q, want it to contain %q", tc.probed, tc.ready, got, tc.want)
		}
	}
}

// TestStatusOfNewApp: a new app says its name and that nothing is live.
func TestStatusOfNewApp(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	st := a.Status(context.Background())
	if st.App != "blog" || st.Live != "" || len(st.Processes) != 0 || st.Daemon.Isolation == "" {
		t.Fatalf("status: %+v", st)
	}
}
