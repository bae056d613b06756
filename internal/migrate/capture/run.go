package capture

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Defaults for running the release command on the copy.
const (
	DefaultRunTimeout = 10 * time.Minute // the release command, start to exit
	DefaultOutputTail = 16 << 10         // bytes of the command's last output kept for an error
)

// RunError reports a release command that failed or timed out on the scratch copy.
type RunError struct {
	// Command is the command as given.
	Command string
	// Err is how it ended.
	Err error
	// Output is the tail of its combined stdout and stderr.
	Output []byte
}

func (e *RunError) Error() string {
	return fmt.Sprintf("the command %q failed on the scratch copy of the database (%v); its last output:\n%s\n"+
		"fix the command, or the migration it runs; a migration that needs rows the schema-only copy lacks "+
		"must not assume them", e.Command, e.Err, e.Output)
}

func (e *RunError) Unwrap() error { return e.Err }

// Run runs command with sh -c in dir with env, in a process group of its own that is killed as a
// whole when timeout passes or ctx ends. It returns the tail of the command's output, and a
// *RunError when the command did not exit 0.
func Run(ctx context.Context, dir, command string, env []string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second // a grandchild holding the output open must not hang us
	out := &tail{max: DefaultOutputTail}
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("killed after %s: %w", timeout, ctx.Err())
		}
		return out.bytes(), &RunError{Command: command, Err: err, Output: out.bytes()}
	}
	return out.bytes(), nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}
