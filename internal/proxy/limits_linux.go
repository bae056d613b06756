//go:build linux

package proxy

import "syscall"

// openFileLimit returns the process's soft RLIMIT_NOFILE, or 0 when it cannot be read or is
// unlimited.
func openFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == ^uint64(0) {
		return 0
	}
	return rl.Cur
}
