package daemon_test

import (
	"context"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

// TestScaleUnderLoad: scaling the web processes up and down under load fails no request and sends
// none again: new processes get requests only once healthy, old ones stop only once drained.
func TestScaleUnderLoad(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	stop := startLoad(t, loadgen.Options{URL: d.url("/?delay=20ms"), Concurrency: 8, Rate: 200},
		loadgen.Options{URL: d.url("/echo"), Concurrency: 4, Rate: 50, Method: "POST", Body: []byte("order=1")})
	time.Sleep(300 * time.Millisecond)
	for _, n := range []int{3, 1, 2} {
		res, err := d.client.Scale(context.Background(), control.ScaleRequest{Scale: map[string]int{"web": n}})
		if err != nil || res.Formation["web"] != n {
			t.Fatalf("scale web=%d: %+v, %v", n, res, err)
		}
		if st, err := d.client.Status(context.Background()); err != nil || len(st.Processes) != n || st.Live != "v1" {
			t.Fatalf("after scale web=%d: status %+v, %v", n, st, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, r := range stop() {
		if r.Failed > 0 || r.Sent == 0 || r.Retries != 0 {
			t.Errorf("load while scaling: %s; want requests, none failed and none silently re-sent", r)
		}
	}
	if procs := appProcesses(t, d.state); len(procs) != 2 {
		t.Errorf("app processes after scaling to web=2: %v", procs)
	}
}
