package bench_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/cli"
)

// TestMain puts a `cutover` command on PATH that re-enters this test binary as the real CLI, so the
// benches run the backend, cutover's proxy and the daemon as real `cutover` processes.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cutover": func() { os.Exit(cli.Main()) }})
}

// cutoverExe is the `cutover` command TestMain put on PATH.
func cutoverExe(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("cutover")
	if err != nil {
		t.Fatalf("find the cutover command TestMain set up: %v", err)
	}
	return exe
}
