package cli

import "syscall"

// oneOffAttr has the kernel send the one-off command SIGTERM if this process dies without passing
// anything on (kill -9), so that no console is left behind, reparented, holding the release.
func oneOffAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} }
