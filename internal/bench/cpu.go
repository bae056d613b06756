package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// clockTicksPerSecond is the unit of the CPU times in /proc/PID/stat: Linux's USER_HZ, 100 on
// every architecture Go runs on.
const clockTicksPerSecond = 100

// groupCPU returns the CPU time (user and system) that the processes of process group pgid have
// used so far: a child a bench started runs in a group of its own with the workers it forks
// (nginx), so this is all that target spent. It reads /proc, so it works on Linux only.
func groupCPU(pgid int) (time.Duration, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return 0, fmt.Errorf("read CPU times: no /proc (%v)", err)
	}
	var ticks int64
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // it exited meanwhile
		}
		group, used, ok := parseStat(b)
		if ok && group == pgid {
			ticks += used
		}
	}
	return time.Duration(ticks) * time.Second / clockTicksPerSecond, nil
}

// parseStat reads the process group and the user and system CPU ticks from a /proc/PID/stat line:
// "pid (comm) state ppid pgrp … utime stime …", where comm may hold spaces and parentheses, so the
// fields are counted from its last ")".
func parseStat(b []byte) (pgrp int, ticks int64, ok bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	// After comm: state(0) ppid(1) pgrp(2) session tty_nr tpgid flags minflt cminflt majflt
	// cmajflt utime(11) stime(12).
	if len(f) < 13 {
		return 0, 0, false
	}
	pg, err1 := strconv.Atoi(string(f[2]))
	ut, err2 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err3 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, false
	}
	return pg, ut + st, true
}

// cpuMeter adds up what a target's process group spends while it is driven. A target the bench
// did not start (a URL) has no group, and no CPU time is reported for it; nor for one whose
// reading failed.
type cpuMeter struct {
	pgid   int // 0: not known
	spent  time.Duration
	from   time.Duration
	failed bool
}

// start reads the group's CPU time before a round.
func (m *cpuMeter) start() {
	if m.pgid == 0 || m.failed {
		return
	}
	from, err := groupCPU(m.pgid)
	m.from, m.failed = from, err != nil
}

// stop adds what the group spent since start.
func (m *cpuMeter) stop() {
	if m.pgid == 0 || m.failed {
		return
	}
	to, err := groupCPU(m.pgid)
	if m.failed = err != nil; !m.failed {
		m.spent += to - m.from
	}
}

// per returns the CPU time spent per one of n (requests or handshakes), 0 when not known.
func (m *cpuMeter) per(n int64) time.Duration {
	if m.pgid == 0 || m.failed || n <= 0 {
		return 0
	}
	return m.spent / time.Duration(n)
}
