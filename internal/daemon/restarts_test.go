package daemon_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
)

// TestStatusShowsCrashLoop: a web process that, once the deploy is done, exits each time soon after
// it starts shows in `cutover status` as crash-looping, with its restarts and its last exit, not as
// healthy with an uptime of 1s.
func TestStatusShowsCrashLoop(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	booted := filepath.Join(t.TempDir(), "booted")
	d.mustDeploy(writeApp(t, fmt.Sprintf(
		"web: if [ -e %[1]s ]; then cutover sample-app --version v1 & sleep 0.5; exit 3; fi; touch %[1]s; exec cutover sample-app --version v1\n",
		booted), ""))
	st, err := d.client.Status(context.Background())
	if err != nil || len(st.Processes) != 1 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	if p := st.Processes[0]; p.Restarts != 0 || p.LastExit != nil || p.Loop != nil {
		t.Errorf("web.1 after the deploy: got %d restarts, last exit %+v, loop %+v; want none", p.Restarts, p.LastExit, p.Loop)
	}
	if err := syscall.Kill(st.Processes[0].Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	var p control.ProcessState
	waitFor(t, "web.1 to show as crash-looping", func() bool {
		st, err := d.client.Status(context.Background())
		if err != nil || len(st.Processes) != 1 {
			return false
		}
		p = st.Processes[0]
		return p.Loop != nil && p.LastExit != nil && p.LastExit.Code == 3
	})
	if p.Restarts < 2 || p.Loop.Restarts < 2 || p.Loop.Restarts > p.Restarts {
		t.Errorf("web.1: got %d restarts, %d in the loop; want at least 2, the loop's no more than all", p.Restarts, p.Loop.Restarts)
	}
}
