package acmetest

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// pebbleModule is the module whose tools this package runs, pinned in go.mod's tool block.
const pebbleModule = "github.com/letsencrypt/pebble/v2"

// binaries are the two cached executables and the module's source dir (config and certs).
type binaries struct {
	pebble, challtestsrv, pebbleDir string
}

var (
	binariesOnce sync.Once
	binariesErr  error
	found        binaries
)

// findBinaries asks the go command, once per test binary, where the tools are. `go tool -n` builds
// them on first use and caches them; it runs from the module root so go.mod's tool block applies.
func findBinaries() (binaries, error) {
	binariesOnce.Do(func() {
		root, err := goOutput("", "env", "GOMOD")
		if err != nil {
			binariesErr = err
			return
		}
		if root == "" || root == "/dev/null" {
			binariesErr = fmt.Errorf("not inside the cutover module (go env GOMOD is empty)")
			return
		}
		dir := filepath.Dir(root)
		var b binaries
		if b.pebble, err = goOutput(dir, "tool", "-n", "pebble"); err != nil {
			binariesErr = err
			return
		}
		if b.challtestsrv, err = goOutput(dir, "tool", "-n", "pebble-challtestsrv"); err != nil {
			binariesErr = err
			return
		}
		if b.pebbleDir, err = goOutput(dir, "list", "-m", "-f", "{{.Dir}}", pebbleModule); err != nil {
			binariesErr = err
			return
		}
		found = b
	})
	return found, binariesErr
}

func goOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return "", fmt.Errorf("go %s: %w %s (is Pebble pinned as a tool in go.mod? "+
			"go get -tool %s/cmd/pebble)", strings.Join(args, " "), err, stderr, pebbleModule)
	}
	return strings.TrimSpace(string(out)), nil
}
