package process

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ErrAdoptedExit is how an adopted process ended: it is not this process's child, so only that it
// exited is known, not its status, which went to its parent.
var ErrAdoptedExit = errors.New("exited (adopted at an upgrade: its exit status went to its first parent)")

// Adopt makes a Process of pid, which an earlier cutover started with KeepOnExit and handed over at
// an upgrade, together with the read ends of its output pipes (nil for none). The process is
// watched through a pidfd, since it is not this process's child. Its output goes on to spec.Stdout
// and spec.Stderr. A pid that is already gone gives a Process that is already done, which a
// supervised Group starts again.
//
// Between its exit and the moment its new parent (init, or a subreaper) reaps it, its process group
// is still signalled by number, as for any process; once reaped, the number could in principle be
// reused before the pidfd says so, a window of a few microseconds that pid numbering makes harmless.
func Adopt(spec Spec, pid int, started time.Time, stdout, stderr *os.File) (*Process, error) {
	p := &Process{
		name:    spec.Name,
		pid:     pid,
		cgroup:  spec.Cgroup,
		started: started,
		tail:    newTail(DefaultTailLines),
		out:     adoptOutput(stdout, stderr),
		done:    make(chan struct{}),
	}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	switch {
	case errors.Is(err, unix.ESRCH):
		p.out.close()
		releaseCgroup(p.cgroup)
		removeRecord(recordPath(spec.PidDir, pid))
		p.exited, p.err, p.ended = true, fmt.Errorf("%s %w", p.name, ErrAdoptedExit), time.Now()
		close(p.done)
		return p, nil
	case err != nil:
		p.out.close()
		return nil, fmt.Errorf("adopt %s (pid %d): %w", spec.Name, pid, err)
	}
	p.record = recordPath(spec.PidDir, pid) // the earlier daemon wrote it
	p.pidfd = os.NewFile(uintptr(fd), fmt.Sprintf("pidfd %d", pid))
	p.out.copy(p.tail.stream(spec.Stdout), p.tail.stream(spec.Stderr))
	go p.waitAdopted()
	return p, nil
}

// waitAdopted is the one goroutine that waits on an adopted process.
func (p *Process) waitAdopted() {
	if raw, err := p.pidfd.SyscallConn(); err == nil {
		// A pidfd turns readable when its process exits; until then the poller waits.
		_ = raw.Read(func(fd uintptr) bool {
			n, _ := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
			return n > 0
		})
	}
	p.mu.Lock()
	p.exited = true
	p.mu.Unlock()
	_ = syscall.Kill(-p.pid, syscall.SIGKILL) // the rest of its group
	p.endCgroup()
	p.pidfd.Close()
	releaseCgroup(p.cgroup) // its cgroup is the one it was started in, whichever daemon did
	removeRecord(p.record)
	p.out.finish(DefaultWaitDelay)
	p.tail.flush()
	p.mu.Lock()
	p.err, p.ended = fmt.Errorf("%s %w", p.name, ErrAdoptedExit), time.Now()
	p.mu.Unlock()
	close(p.done)
}

// Output returns the read ends of the process's output pipes, to hand over at an upgrade; nil for
// a stream there is none of. They stay owned by p.
func (p *Process) Output() (stdout, stderr *os.File) { return p.out.files[0], p.out.files[1] }

// disown stops reading the process's output, for the daemon it is handed to; the process runs on.
func (p *Process) disown() { p.out.release() }
