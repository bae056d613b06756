package daemon_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLinkedAppDirSurvivesItsTarget: an app deployed through Capistrano's current -> releases/1
// link still boots after a restart once releases/1 is deleted, since the release holds the app
// itself, not the link.
func TestLinkedAppDirSurvivesItsTarget(t *testing.T) {
	deployTo := t.TempDir()
	target := filepath.Join(deployTo, "releases", "1")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(sampleApp(t, "v1", "", ""), target); err != nil {
		t.Fatal(err)
	}
	current := filepath.Join(deployTo, "current")
	if err := os.Symlink(target, current); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(current)
	if err := os.RemoveAll(target); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()
	d = startDaemon(t, state, d.addr)
	waitFor(t, "v1 to serve again after the restart", func() bool { return d.version() == "v1" })
}
