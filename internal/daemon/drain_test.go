package daemon_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
)

// TestDrainKeepsTheOldReleaseForItsRequests: the old release here exits at once on SIGTERM
// (shutdown timeout 1 ms), as many apps do, so only cutover's drain — waiting for the requests in
// flight on the old release before it stops it — lets them finish. Without the drain they fail.
func TestDrainKeepsTheOldReleaseForItsRequests(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "--shutdown-timeout 1ms", ""))

	const slow = 4
	answers := make(chan string, slow)
	for range slow {
		go func() {
			resp, err := http.Get(d.url("/?delay=3s"))
			if err != nil {
				answers <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- resp.Status + " " + strings.TrimSpace(string(b))
		}()
	}
	waitFor(t, "the slow requests to be in flight", func() bool {
		st, err := d.client.Status(context.Background())
		return err == nil && st.InFlight >= slow
	})
	_, events, err := d.deploy(deploy.Request{Source: sampleApp(t, "v2", "", "")})
	if err != nil {
		t.Fatalf("deploy v2: %v", err)
	}
	drained := false
	for _, e := range events {
		drained = drained || strings.Contains(e.Message, "in flight on v1")
	}
	if !drained {
		t.Fatalf("the slow requests were no longer in flight at the switch (events %+v): the test proves nothing", events)
	}
	for range slow {
		if got := <-answers; got != "200 OK hello from v1" {
			t.Errorf("a request in flight on v1 at the switch: got %q, want 200 OK hello from v1", got)
		}
	}
}
