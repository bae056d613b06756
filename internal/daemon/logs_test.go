package daemon_test

import (
	"context"
	"strings"
	"syscall"
	"testing"

	"github.com/cutover-dev/cutover/internal/applog"
)

// TestLogsFromDisk: `cutover logs` reads the log files, so the release command's output is there
// after a burst of web output larger than the memory holds, -n is not capped by the memory, the
// history outlives a restart, and an unknown process is an error naming the known ones.
func TestLogsFromDisk(t *testing.T) {
	state := t.TempDir()
	// The web process writes 20,000 lines (more than the 10,000 the memory holds) once it serves.
	app := writeApp(t, "release: echo release-output-marker\nweb: for i in $(seq 1 20000); do echo web-line-$i; done; exec cutover sample-app --version v1\n", "")
	d := startDaemon(t, state, "")
	d.mustDeploy(app)
	tail := func(n int, proc string) ([]applog.Line, error) {
		var got []applog.Line
		err := d.client.Logs(context.Background(), n, proc, false, func(l applog.Line) { got = append(got, l) })
		return got, err
	}
	// The sample app logs a few lines of its own after the loop's.
	loop := func(lines []applog.Line) []applog.Line {
		var out []applog.Line
		for _, l := range lines {
			if strings.HasPrefix(l.Text, "web-line-") {
				out = append(out, l)
			}
		}
		return out
	}
	waitFor(t, "the last web line in the log", func() bool {
		got, _ := tail(100, "web")
		got = loop(got)
		return len(got) > 0 && got[len(got)-1].Text == "web-line-20000"
	})
	check := func(when string) {
		t.Helper()
		all, err := tail(15000, "web")
		got := loop(all)
		if err != nil || len(all) != 15000 || len(got) < 14000 || got[len(got)-1].Text != "web-line-20000" {
			t.Errorf("%s: -n 15000 -p web: got %d lines, %v; want the last 15,000 web lines", when, len(got), err)
		}
		rel, err := tail(10, "release")
		if err != nil || len(rel) == 0 || !strings.Contains(rel[len(rel)-1].Text, "release-output-marker") {
			t.Errorf("%s: -p release: got %v, %v; want the release command's output", when, rel, err)
		}
		_, err = tail(10, "bogus")
		if err == nil || !strings.Contains(err.Error(), `no process "bogus"`) || !strings.Contains(err.Error(), "web") {
			t.Errorf("%s: -p bogus: got %v, want an error naming the known process types", when, err)
		}
	}
	check("while serving")

	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()
	d = startDaemon(t, state, d.addr)
	check("after a restart")
}
