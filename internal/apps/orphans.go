package apps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/cutover-dev/cutover/internal/process"
)

// Markers are the process markers of a state directory (see process.KillOrphans): each app's
// directory, and the state directory itself, which marked the processes of a single-app daemon
// before apps (they may still run, adopted at an upgrade).
func Markers(stateDir string) []string {
	markers := []string{stateDir}
	names, _ := Names(stateDir)
	for _, n := range names {
		markers = append(markers, Dir(stateDir, n))
	}
	return markers
}

// KillOrphans kills the app processes a crashed daemon of stateDir left running, of every app,
// and returns how many it killed.
func KillOrphans(stateDir string) (int, error) {
	var total int
	var errs []error
	for _, m := range Markers(stateDir) {
		n, err := process.KillOrphans(m)
		total += n
		errs = append(errs, err)
	}
	return total, errors.Join(errs...)
}

// removeDestroyed removes what a destroy that a crash cut short left in the apps dir.
func removeDestroyed(stateDir string) error {
	entries, err := os.ReadDir(filepath.Join(stateDir, AppsDirName))
	if err != nil {
		return nil
	}
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".destroyed-") {
			errs = append(errs, os.RemoveAll(filepath.Join(stateDir, AppsDirName, e.Name())))
		}
	}
	return errors.Join(errs...)
}
