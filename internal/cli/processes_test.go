package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdRunning checks that the processes the script's daemon started for its apps belong to these
// releases and no other, each with one at least: running RELEASE...
func cmdRunning(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: running RELEASE...")
	}
	got := runningReleases(ts.Getenv("CUTOVER_STATE_DIR"))
	want := slices.Sorted(slices.Values(args))
	if slices.Equal(got, want) == neg {
		ts.Fatalf("app processes of releases %v, want %v (negated: %v)", got, want, neg)
	}
}

// runningReleases lists, sorted, the releases (CUTOVER_RELEASE) of the live processes whose
// environment marks them as started by the daemon of state: CUTOVER_STATE is state or one of its
// apps' directories.
func runningReleases(state string) []string {
	abs, _ := filepath.Abs(state)
	marker := "CUTOVER_STATE=" + abs
	var rels []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || zombie(pid) {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		found, rel := false, ""
		for _, v := range strings.Split(string(env), "\x00") {
			if v == marker || strings.HasPrefix(v, marker+"/apps/") {
				found = true
			}
			if r, ok := strings.CutPrefix(v, "CUTOVER_RELEASE="); ok {
				rel = r
			}
		}
		if found && rel != "" && !slices.Contains(rels, rel) {
			rels = append(rels, rel)
		}
	}
	slices.Sort(rels)
	return rels
}

// zombie says whether pid has exited and waits to be reaped, or is gone.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || s[i+2] == 'Z'
}
