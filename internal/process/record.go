package process

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PidDirName is the directory, in the state directory, where each app process records its pid
// and start time while it runs (Spec.PidDir), for KillOrphans to find it after a crash of the
// daemon even if it rewrote its environment (Puma, or any setproctitle).
const PidDirName = "pids"

// record is what Spec.PidDir holds for one process, in a file named for its pid: the start time
// of the process in clock ticks since boot (field 22 of /proc/PID/stat), which a process that
// reuses the pid cannot have, and its name.
type record struct {
	pid       int
	startTime uint64
	name      string
}

// writeRecord records p in dir, atomically and readable by the daemon's user only, and returns
// the record's path.
func writeRecord(dir string, pid int, name string) (string, error) {
	st, err := readStat(pid)
	if err != nil {
		return "", fmt.Errorf("record pid %d: %w", pid, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("record pid %d: %w", pid, err)
	}
	path := filepath.Join(dir, strconv.Itoa(pid))
	data := fmt.Sprintf("%d %s\n", st.startTime, name)
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return "", fmt.Errorf("record pid %d: %w", pid, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("record pid %d: %w", pid, err)
	}
	return path, nil
}

// readRecords reads the records in dir; a damaged one is skipped.
func readRecords(dir string) []record {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []record
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		start, name, _ := strings.Cut(string(bytes.TrimSpace(b)), " ")
		st, err := strconv.ParseUint(start, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, record{pid: pid, startTime: st, name: name})
	}
	return out
}

// removeRecord removes a record once its process is gone; "" is no record.
func removeRecord(path string) {
	if path != "" {
		_ = os.Remove(path)
	}
}

// alive reports whether r's process still runs: the pid is there with the recorded start time.
func (r record) alive() (stat, bool) {
	st, err := readStat(r.pid)
	return st, err == nil && st.startTime == r.startTime
}

// recordPath is where the record of pid is in dir; "" for no dir.
func recordPath(dir string, pid int) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, strconv.Itoa(pid))
}
