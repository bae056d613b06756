package socket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// EnvUpgrade tells a daemon it was started to take over from another. Its value, JSON, names the
// files it inherits after the handshake socket (fd 3), and carries the live state.
const EnvUpgrade = "CUTOVER_UPGRADE"

// Upgrade defaults.
const (
	// DefaultUpgradeTimeout bounds how long a daemon waits for its successor to say it is ready,
	// and how long a successor waits for the go-ahead after saying so.
	DefaultUpgradeTimeout = 60 * time.Second
	// DefaultAbortTimeout is how long a successor told to give up has to exit before it is killed.
	DefaultAbortTimeout = 5 * time.Second
)

// Handshake messages, one per packet.
const (
	msgReady = "ready"
	msgFail  = "fail:"
	msgGo    = "go"
	msgAbort = "abort:"
)

// NamedFile is a file handed to the successor, by the name it finds it under.
type NamedFile struct {
	Name string
	File *os.File
}

// handoff is the value of EnvUpgrade.
type handoff struct {
	From  int             `json:"from"`  // the predecessor's pid
	Files []string        `json:"files"` // names of the files from fd 4 on
	State json.RawMessage `json:"state"`
}

// Successor is the new daemon an old one starts at an upgrade.
type Successor struct {
	cmd     *exec.Cmd
	talk    *net.UnixConn
	exited  chan struct{}
	waitErr error
}

// StartSuccessor starts the program at exe with argv args and this process's environment, handing it
// files and state (marshalled as JSON), and returns once it runs. Its stdout and stderr are this
// process's. It shares this process's group, as a daemon restarted in place would.
func StartSuccessor(exe string, args []string, files []NamedFile, state any) (*Successor, error) {
	st, err := json.Marshal(state)
	if err != nil {
		return nil, fmt.Errorf("start the new daemon: state: %w", err)
	}
	h := handoff{From: os.Getpid(), State: st}
	extra := make([]*os.File, 1, len(files)+1)
	defer func() {
		for _, f := range extra[1:] {
			f.Close()
		}
	}()
	for _, f := range files {
		// A duplicate, non-blocking when made (Dup): os/exec puts every file it hands over into
		// blocking mode if Go made it non-blocking, and the mode belongs to the open file, shared by
		// all its descriptors; the daemon's own read of an app's output pipe would turn into a
		// blocking read that no deadline cuts, and the handover would wait on it.
		d, err := Dup(f.File, f.Name)
		if err != nil {
			return nil, fmt.Errorf("start the new daemon: hand over %s: %w", f.Name, err)
		}
		h.Files, extra = append(h.Files, f.Name), append(extra, d)
	}
	env, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("start the new daemon: %w", err)
	}
	ours, theirs, err := socketpair()
	if err != nil {
		return nil, fmt.Errorf("start the new daemon: handshake socket: %w", err)
	}
	defer theirs.Close()
	extra[0] = theirs
	cmd := &exec.Cmd{Path: exe, Args: args, Stdout: os.Stdout, Stderr: os.Stderr, ExtraFiles: extra}
	cmd.Env = append(withoutVar(os.Environ(), EnvUpgrade), EnvUpgrade+"="+string(env))
	if err := cmd.Start(); err != nil {
		ours.Close()
		return nil, fmt.Errorf("start the new daemon %s: %w", exe, err)
	}
	s := &Successor{cmd: cmd, exited: make(chan struct{})}
	if s.talk, err = unixConn(ours); err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("start the new daemon: handshake socket: %w", err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// Pid returns the successor's pid.
func (s *Successor) Pid() int { return s.cmd.Process.Pid }

// Ready waits until the successor says it is ready (nil), or says why it cannot take over, exits, or
// stays silent until ctx is done: an error that says which.
func (s *Successor) Ready(ctx context.Context) error {
	msgs := make(chan string, 1)
	go func() {
		m, err := readMsg(s.talk)
		if err != nil {
			m = ""
		}
		msgs <- m
	}()
	select {
	case m := <-msgs:
		switch {
		case m == msgReady:
			return nil
		case strings.HasPrefix(m, msgFail):
			return fmt.Errorf("the new daemon (pid %d) could not take over: %s", s.Pid(), strings.TrimPrefix(m, msgFail))
		}
		// It hung up without a word: it is exiting, or has.
		select {
		case <-s.exited:
		case <-time.After(DefaultAbortTimeout):
		}
		return s.exitError()
	case <-s.exited:
		return s.exitError()
	case <-ctx.Done():
		return fmt.Errorf("the new daemon (pid %d) did not say it was ready: %w", s.Pid(), ctx.Err())
	}
}

func (s *Successor) exitError() error {
	select {
	case <-s.exited:
		return fmt.Errorf("the new daemon (pid %d) exited before it was ready (%v): see its output above", s.Pid(), s.waitErr)
	default:
		return fmt.Errorf("the new daemon (pid %d) hung up before it was ready", s.Pid())
	}
}

// Go tells the successor to take over.
func (s *Successor) Go() error {
	defer s.talk.Close()
	if _, err := s.talk.Write([]byte(msgGo)); err != nil {
		return fmt.Errorf("tell the new daemon (pid %d) to take over: %w", s.Pid(), err)
	}
	return nil
}

// Abort tells the successor to exit without taking over, and kills it if it has not exited after
// DefaultAbortTimeout.
func (s *Successor) Abort(reason string) {
	s.talk.Write([]byte(msgAbort + reason))
	s.talk.Close()
	select {
	case <-s.exited:
	case <-time.After(DefaultAbortTimeout):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// Predecessor is the daemon that started this one to take over from it.
type Predecessor struct {
	h     handoff
	files map[string]*os.File
	talk  *net.UnixConn
}

// TakeOver returns the daemon that started this process to take over from it, or nil when this
// process was not started for an upgrade. It unsets EnvUpgrade; the inherited files are made
// close-on-exec.
func TakeOver() (*Predecessor, error) {
	v, ok := os.LookupEnv(EnvUpgrade)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(EnvUpgrade)
	p := &Predecessor{files: map[string]*os.File{}}
	if err := json.Unmarshal([]byte(v), &p.h); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvUpgrade, err)
	}
	for i, name := range append([]string{"handshake"}, p.h.Files...) {
		fd := ListenFDsStart + i
		syscall.CloseOnExec(fd)
		p.files[name] = inherit(fd, name)
	}
	talk, err := unixConn(p.files["handshake"])
	if err != nil {
		return nil, fmt.Errorf("handshake socket: %w", err)
	}
	p.talk = talk
	return p, nil
}

// inherit wraps an inherited file descriptor, non-blocking first: a daemon from before
// StartSuccessor handed over duplicates passed it in blocking mode, and os.NewFile makes a
// blocking descriptor a file whose reads the poller cannot cut. An app's output pipe read so
// could never be let go of at the next upgrade: the read of a quiet app waits for ever.
func inherit(fd int, name string) *os.File {
	_ = syscall.SetNonblock(fd, true) // a file that refuses it stays blocking, as before
	return os.NewFile(uintptr(fd), name)
}

// Pid returns the predecessor's pid.
func (p *Predecessor) Pid() int { return p.h.From }

// File returns the file handed over under name, nil if there is none. It is the caller's now.
func (p *Predecessor) File(name string) *os.File { return p.files[name] }

// State unmarshals the state handed over into v.
func (p *Predecessor) State(v any) error {
	if err := json.Unmarshal(p.h.State, v); err != nil {
		return fmt.Errorf("state from the old daemon: %w", err)
	}
	return nil
}

// Fail tells the predecessor why this daemon cannot take over.
func (p *Predecessor) Fail(err error) {
	p.talk.Write([]byte(msgFail + err.Error()))
	p.talk.Close()
}

// Ready tells the predecessor this daemon is ready, and waits for the go-ahead: nil when told to go,
// or when the predecessor is gone without a word (someone has to serve); an error when told to give
// up, or when ctx is done first.
func (p *Predecessor) Ready(ctx context.Context) error {
	defer p.talk.Close()
	if _, err := p.talk.Write([]byte(msgReady)); err != nil {
		return fmt.Errorf("tell the old daemon (pid %d) this one is ready: %w", p.Pid(), err)
	}
	stop := context.AfterFunc(ctx, func() { p.talk.SetReadDeadline(time.Now()) })
	defer stop()
	m, err := readMsg(p.talk)
	switch {
	case m == msgGo:
		return nil
	case strings.HasPrefix(m, msgAbort):
		return fmt.Errorf("the old daemon (pid %d) gave up the upgrade: %s", p.Pid(), strings.TrimPrefix(m, msgAbort))
	case ctx.Err() != nil:
		return fmt.Errorf("no go-ahead from the old daemon (pid %d): %w", p.Pid(), ctx.Err())
	case err != nil:
		return nil
	}
	return fmt.Errorf("the old daemon (pid %d) said %q", p.Pid(), m)
}

func readMsg(c *net.UnixConn) (string, error) {
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if n == 0 && err == nil {
		err = errors.New("hung up")
	}
	return string(buf[:n]), err
}

// socketpair returns the two ends of a connected packet socket pair, close-on-exec.
func socketpair() (*os.File, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "handshake"), os.NewFile(uintptr(fds[1]), "handshake"), nil
}

// unixConn makes a connection of f, which it closes.
func unixConn(f *os.File) (*net.UnixConn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("%s is a %T, want a unix socket", f.Name(), c)
	}
	return uc, nil
}

func withoutVar(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
