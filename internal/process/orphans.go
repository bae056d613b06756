package process

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// StateEnv is the environment variable that marks every child cutover
// starts; its value is the daemon's absolute state directory.
const StateEnv = "CUTOVER_STATE"

// KillOrphans kills, with SIGKILL, the app processes an earlier daemon of the state directory
// marker left running, found three ways: everything in the app's cgroups (see Cgroups), which
// nothing in them can leave; every process recorded in marker's PidDirName whose pid still has the
// recorded start time; and every process whose environment has CUTOVER_STATE=marker. A recorded or
// marked process is killed together with its process group. This process, its ancestors and their
// groups are spared. It returns how many processes it killed; errors are joined.
func KillOrphans(marker string) (killed int, err error) {
	if marker == "" {
		return 0, errors.New("kill orphans: empty marker")
	}
	var errs []error
	if c := findCgroups(marker); c != nil {
		n, err := c.KillAll()
		killed += n
		errs = append(errs, err)
	}
	spared, sparedGroups := ancestry(os.Getpid())
	kill := func(pid, pgid int) {
		groupKilled := false
		if pgid > 0 && !sparedGroups[pgid] {
			groupKilled = syscall.Kill(-pgid, syscall.SIGKILL) == nil
		}
		// The group's SIGKILL may already have ended pid and its parent reaped it, so ESRCH here
		// still counts it as killed.
		switch killErr := syscall.Kill(pid, syscall.SIGKILL); {
		case killErr == nil, groupKilled && errors.Is(killErr, syscall.ESRCH):
			killed++
		case !errors.Is(killErr, syscall.ESRCH):
			errs = append(errs, fmt.Errorf("kill orphan %d: %w", pid, killErr))
		}
		spared[pid] = true // counted once
	}

	pidDir := filepath.Join(marker, PidDirName)
	for _, r := range readRecords(pidDir) {
		if st, ok := r.alive(); ok && !spared[r.pid] {
			kill(r.pid, st.pgid)
		}
		removeRecord(filepath.Join(pidDir, strconv.Itoa(r.pid)))
	}

	entries, err := os.ReadDir("/proc")
	if err != nil {
		return killed, errors.Join(append(errs, fmt.Errorf("kill orphans: %w", err))...)
	}
	want := []byte(StateEnv + "=" + marker)
	for _, e := range entries {
		pid, convErr := strconv.Atoi(e.Name())
		if convErr != nil || spared[pid] {
			continue
		}
		env, readErr := os.ReadFile("/proc/" + e.Name() + "/environ")
		if readErr != nil || !hasEntry(env, want) {
			continue
		}
		st, _ := readStat(pid)
		kill(pid, st.pgid)
	}
	return killed, errors.Join(errs...)
}

// hasEntry reports whether the NUL-separated environment env has the entry
// want exactly.
func hasEntry(env, want []byte) bool {
	for entry := range bytes.SplitSeq(env, []byte{0}) {
		if bytes.Equal(entry, want) {
			return true
		}
	}
	return false
}

// ancestry returns pid and its ancestors, and their process groups.
func ancestry(pid int) (pids, groups map[int]bool) {
	pids, groups = map[int]bool{1: true}, map[int]bool{}
	for pid > 0 && !pids[pid] {
		pids[pid] = true
		st, err := readStat(pid)
		if err != nil {
			break
		}
		groups[st.pgid] = true
		pid = st.ppid
	}
	return pids, groups
}

// stat is what cutover reads of /proc/<pid>/stat.
type stat struct {
	ppid, pgid int
	startTime  uint64 // clock ticks after boot
}

// readStat reads the parent, process group and start time of pid from /proc/<pid>/stat.
func readStat(pid int) (stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	// The command name, in parentheses, may itself hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("parse /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:])) // field 3 (state) onwards
	if len(f) < 20 {
		return stat{}, fmt.Errorf("parse /proc/%d/stat: too few fields", pid)
	}
	var st stat
	if st.ppid, err = strconv.Atoi(f[1]); err == nil {
		if st.pgid, err = strconv.Atoi(f[2]); err == nil {
			st.startTime, err = strconv.ParseUint(f[19], 10, 64)
		}
	}
	if err != nil {
		return stat{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return st, nil
}
