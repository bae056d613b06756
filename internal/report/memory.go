package report

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Memory is a process's resident set size, now and at its peak, in bytes.
type Memory struct {
	RSS, Peak int64
}

// ReadMemory reads VmRSS and VmHWM (the peak, "high water mark") of pid from /proc/PID/status.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("read the memory of process %d: %w", pid, err)
	}
	var m Memory
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		switch string(name) {
		case "VmRSS":
			m.RSS, err = parseKB(value)
		case "VmHWM":
			m.Peak, err = parseKB(value)
		}
		if err != nil {
			return Memory{}, fmt.Errorf("process %d: %s: %w", pid, name, err)
		}
	}
	if m.RSS == 0 || m.Peak == 0 {
		return Memory{}, fmt.Errorf("process %d: no VmRSS and VmHWM in /proc/%d/status", pid, pid)
	}
	return m, nil
}

// parseKB parses a /proc/PID/status size such as "  12345 kB" into bytes.
func parseKB(v []byte) (int64, error) {
	num, unit, _ := bytes.Cut(bytes.TrimSpace(v), []byte(" "))
	if string(unit) != "kB" {
		return 0, fmt.Errorf("size %q is not in kB", bytes.TrimSpace(v))
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", bytes.TrimSpace(v), err)
	}
	return n << 10, nil
}

// ResetPeak sets pid's VmHWM back to its current RSS (Linux's clear_refs "5"), so that the peak
// read afterwards is the peak since now.
func ResetPeak(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset the peak memory of process %d: %w", pid, err)
	}
	return nil
}

// FormatBytes writes n as megabytes with one decimal, such as "23.4 MB" (MiB, as ps and top count).
func FormatBytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
