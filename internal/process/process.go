package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultStopTimeout is how long Stop waits after SIGTERM before it sends
// SIGKILL, when given a timeout of zero or less.
const DefaultStopTimeout = 10 * time.Second

// DefaultWaitDelay is how long a process's output may go on being read after
// its group is gone. Only a process that left the group (for example with
// setsid) can hold the output open that long; after the delay the output is
// cut off so that Done is not held up.
const DefaultWaitDelay = 2 * time.Second

// ErrKilled reports that a process did not exit after SIGTERM within the
// stop timeout and had to be killed with SIGKILL.
var ErrKilled = errors.New("killed with SIGKILL")

// ErrNoCommand reports a Spec with an empty Command.
var ErrNoCommand = errors.New("no command to run")

// Spec describes one process to start.
type Spec struct {
	// Name names the process in errors and logs, e.g. "web.1".
	Name string
	// Command is a Procfile command line, run with bash -c as Heroku does
	// (sh where there is no bash), so lists (a && b) and VAR=value prefixes
	// work. bash execs the last command of such a line itself, so the app is
	// the group's leader and gets SIGTERM directly. A line bash cannot exec
	// (a pipeline) keeps bash as the leader: when bash exits, the rest of the
	// group is killed with it.
	Command string
	// Dir is the working directory; empty means the current one.
	Dir string
	// Env is the full environment; nil means the current process's.
	Env []string
	// Stdout and Stderr receive the process's output; nil discards it.
	// Write errors are ignored. Neither is closed when the process exits.
	Stdout, Stderr io.Writer
	// ExtraFiles are inherited as file descriptors 3, 4, ...
	ExtraFiles []*os.File
	// KeepOnExit lets the process outlive cutover: it does not get SIGKILL when cutover dies, so
	// that a new cutover can adopt it at an upgrade (see Adopt). A Lifeline kills it if every
	// cutover that held it dies instead.
	KeepOnExit bool
	// Cgroup, if not empty, is the cgroup v2 directory the process starts in (created if need be; see
	// Cgroups.Path). Whatever is left in it when the leader exits, even a process that left the
	// process group, is killed with it, and the cgroup is removed. Empty means the process group only.
	Cgroup string
	// PidDir, if not empty, is where the process records its pid and start time while it runs, for
	// KillOrphans to find it if the daemon dies (see PidDirName). Empty records nothing.
	PidDir string
}

// Process is a running (or exited) child process and its process group.
type Process struct {
	name    string
	pid     int
	cmd     *exec.Cmd // nil for an adopted process
	cgroup  string    // Spec.Cgroup
	record  string    // its record in Spec.PidDir; "" for none
	pidfd   *os.File  // an adopted process: readable once it has exited
	started time.Time
	tail    *tail
	out     *output
	done    chan struct{}

	mu       sync.Mutex
	exited   bool      // the leader has exited: its pid must not be signalled
	stopping bool      // Stop was called
	stopBy   time.Time // when Stop sends SIGKILL
	err      error
	ended    time.Time
}

// Start starts the process described by spec in a process group of its own
// and returns without waiting for it. The child gets SIGKILL if cutover dies,
// unless spec.KeepOnExit is set. The last DefaultTailLines lines of its
// combined output are kept for Tail, while all of it goes to spec.Stdout and
// spec.Stderr.
func Start(spec Spec) (*Process, error) {
	if strings.TrimSpace(spec.Command) == "" {
		return nil, fmt.Errorf("start %s: %w", spec.Name, ErrNoCommand)
	}
	out, w, err := newOutput()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	cmd := exec.Command(shell, "-c", spec.Command)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	cmd.Stdout, cmd.Stderr = w[0], w[1]
	cmd.ExtraFiles = spec.ExtraFiles
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if !spec.KeepOnExit {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if spec.Cgroup != "" {
		cg, err := openCgroup(spec.Cgroup)
		if err != nil {
			out.close()
			w[0].Close()
			w[1].Close()
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		defer cg.Close()
		// The child is born in its cgroup (clone3's CLONE_INTO_CGROUP): nothing it forks, however
		// early, is ever outside.
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, int(cg.Fd())
	}
	err = startOnUnlockedThread(cmd)
	w[0].Close()
	w[1].Close()
	if err != nil {
		out.close()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p := &Process{
		name:    spec.Name,
		pid:     cmd.Process.Pid,
		cmd:     cmd,
		cgroup:  spec.Cgroup,
		started: time.Now(),
		tail:    newTail(DefaultTailLines),
		out:     out,
		done:    make(chan struct{}),
	}
	if spec.PidDir != "" {
		// A record that cannot be written leaves the environment marker and the cgroup to find
		// the process by; its leader may also have exited already.
		p.record, _ = writeRecord(spec.PidDir, p.pid, p.name)
	}
	out.copy(p.tail.stream(spec.Stdout), p.tail.stream(spec.Stderr))
	go p.wait()
	return p, nil
}

// shell runs Procfile lines: bash, like Heroku, because it execs the last command of a line (dash
// 0.5.12 does not, and would stay between cutover and the app).
var shell = func() string {
	if _, err := os.Stat("/bin/bash"); err == nil {
		return "/bin/bash"
	}
	return "/bin/sh"
}()

// startOnUnlockedThread starts cmd from a new goroutine.
//
// Pdeathsig is sent when the thread that forked the child exits, not when
// the process does (go.dev/issue/27505). The Go runtime ends a thread only
// when a goroutine locked to it with runtime.LockOSThread exits without
// unlocking; the caller's goroutine may be such a one, and locking the
// thread here would not change that. A new goroutine is never locked, so it
// runs on a thread that lives as long as cutover, and the child gets its
// SIGKILL only when cutover itself dies.
func startOnUnlockedThread(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() { errc <- cmd.Start() }()
	return <-errc
}

// wait is the one goroutine that waits on p.
func (p *Process) wait() {
	var info unix.Siginfo
	var err error
	for {
		// WNOWAIT leaves the leader a zombie, so its pid, which is also the
		// group's id, cannot be reused until cmd.Wait reaps it below.
		err = unix.Waitid(unix.P_PID, p.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	p.mu.Lock()
	p.exited = true
	p.mu.Unlock()
	if err == nil {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
	p.endCgroup()

	waitErr := p.cmd.Wait()
	releaseCgroup(p.cgroup)
	removeRecord(p.record)
	p.out.finish(DefaultWaitDelay)
	p.tail.flush()
	p.mu.Lock()
	switch {
	case p.cmd.ProcessState != nil:
		p.err = exitError(p.name, p.cmd.ProcessState)
	default:
		p.err = fmt.Errorf("wait for %s: %w", p.name, waitErr)
	}
	p.ended = time.Now()
	p.mu.Unlock()
	close(p.done)
}

// endCgroup kills what is left in the process's cgroup once the leader has exited. Under Stop,
// what got SIGTERM with the leader has the rest of the stop timeout to finish first.
func (p *Process) endCgroup() {
	if p.cgroup == "" {
		return
	}
	p.mu.Lock()
	grace := time.Until(p.stopBy)
	if !p.stopping {
		grace = 0
	}
	p.mu.Unlock()
	if grace > 0 {
		_ = waitCgroupEmpty(p.cgroup, grace)
	}
	_ = killCgroup(p.cgroup)
}

// Name returns the Spec's Name.
func (p *Process) Name() string { return p.name }

// Pid returns the process id of the leader, which is also the process group id.
func (p *Process) Pid() int { return p.pid }

// Started returns when the process was started.
func (p *Process) Started() time.Time { return p.started }

// Done returns a channel that is closed once the process has exited, the
// rest of its group has been killed, and it has been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err returns how the process ended: nil for exit status 0, an *ExitError
// otherwise. It returns nil until Done is closed.
func (p *Process) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Tail returns the last lines of the process's combined output, oldest
// first: up to DefaultTailLines complete lines, and after Done any partial
// last line. Stdout and stderr are read separately, so lines of the two may
// be interleaved a little differently from how they were written.
func (p *Process) Tail() []string { return p.tail.get() }

// Signal sends sig to the whole process group, and to every process in the
// process's cgroup if it has one. Once the leader has exited it returns an
// error wrapping os.ErrProcessDone.
func (p *Process) Signal(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("signal %s: unsupported signal %v", p.name, sig)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return fmt.Errorf("signal %s: %w", p.name, os.ErrProcessDone)
	}
	if err := syscall.Kill(-p.pid, s); err != nil {
		return fmt.Errorf("signal %s: %w", p.name, err)
	}
	if p.cgroup != "" {
		signalCgroup(p.cgroup, s)
	}
	return nil
}

// Stop sends SIGTERM to the process group and waits for the leader to exit.
// If it has not exited after timeout (DefaultStopTimeout if timeout <= 0),
// Stop sends SIGKILL to the group. Either way the rest of the group is killed
// once the leader is gone, and Stop returns after Done. It returns nil if
// SIGTERM was enough, and an error wrapping ErrKilled if SIGKILL was needed.
// How the process ended is reported by Err.
func (p *Process) Stop(timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultStopTimeout
	}
	p.mu.Lock()
	p.stopping, p.stopBy = true, time.Now().Add(timeout)
	p.mu.Unlock()
	if err := p.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop: %w", err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	}
	err := p.Signal(syscall.SIGKILL)
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop: %w", err)
	}
	<-p.done
	if err != nil {
		return nil // it exited just as the timeout passed
	}
	return fmt.Errorf("stop %s: still running %v after SIGTERM: %w", p.name, timeout, ErrKilled)
}

// stopped reports whether Stop was called.
func (p *Process) stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopping
}

// ran returns how long the process ran; it is valid after Done.
func (p *Process) ran() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ended.Sub(p.started)
}
