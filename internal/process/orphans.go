package process

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// StateEnv is the environment variable that marks every child cutover
// starts; its value is the daemon's absolute state directory.
const StateEnv = "CUTOVER_STATE"

// KillOrphans kills processes left over from an earlier run of the daemon
// with SIGKILL: every process whose environment has CUTOVER_STATE=marker,
// other than this process and its ancestors, together with its process group
// (unless that is the group of this process or an ancestor). It returns how
// many marked processes it killed. Processes whose environment it may not
// read are skipped; errors signalling the ones it found are joined.
func KillOrphans(marker string) (killed int, err error) {
	if marker == "" {
		return 0, errors.New("kill orphans: empty marker")
	}
	spared, sparedGroups := ancestry(os.Getpid())
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("kill orphans: %w", err)
	}
	want := []byte(StateEnv + "=" + marker)
	var errs []error
	for _, e := range entries {
		pid, convErr := strconv.Atoi(e.Name())
		if convErr != nil || spared[pid] {
			continue
		}
		env, readErr := os.ReadFile("/proc/" + e.Name() + "/environ")
		if readErr != nil || !hasEntry(env, want) {
			continue
		}
		_, pgid, statErr := readStat(pid)
		groupKilled := false
		if statErr == nil && pgid > 0 && !sparedGroups[pgid] {
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
		ppid, pgid, err := readStat(pid)
		if err != nil {
			break
		}
		groups[pgid] = true
		pid = ppid
	}
	return pids, groups
}

// readStat returns the parent and process group of pid from /proc/<pid>/stat.
func readStat(pid int) (ppid, pgid int, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name, in parentheses, may itself hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:])) // state ppid pgrp ...
	if len(f) < 3 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: too few fields", pid)
	}
	if ppid, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	if pgid, err = strconv.Atoi(f[2]); err != nil {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return ppid, pgid, nil
}
