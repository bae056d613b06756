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

// TestStatusNamesLiveReleaseThatDidNotBoot: when the live release cannot boot as the daemon starts,
// `cutover status` names it, as `cutover releases` does, instead of "none yet".
func TestStatusNamesLiveReleaseThatDidNotBoot(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	booted := filepath.Join(t.TempDir(), "booted")
	d.mustDeploy(writeApp(t, fmt.Sprintf(
		"web: if [ -e %[1]s ]; then exit 1; fi; touch %[1]s; exec cutover sample-app --version v1\n", booted), ""))
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()

	d2 := startDaemon(t, state, d.addr)
	st, err := d2.client.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Live != "" || st.Recorded != "v1" {
		t.Errorf("status: got live %q, recorded %q; want none live, v1 recorded", st.Live, st.Recorded)
	}
	rels, err := d2.client.Releases(context.Background())
	if err != nil || len(rels) != 1 || rels[0].ID != "v1" || rels[0].Status != "live" {
		t.Errorf("releases: got %+v, %v; want v1 live", rels, err)
	}
}
