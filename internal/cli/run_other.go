//go:build !linux

package cli

import "syscall"

// oneOffAttr is nil where the kernel cannot signal a child when its parent dies.
func oneOffAttr() *syscall.SysProcAttr { return nil }
