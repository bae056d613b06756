package process

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a helper process instead of
// running tests (see TestMain).
const helperEnv = "PROCESS_TEST_HELPER"

// failAfter bounds every wait in these tests; it is a failure bound, not an
// expected duration.
const failAfter = 20 * time.Second

func init() {
	if os.Getenv(helperEnv) != "" {
		// Keep the main goroutine on the main thread, so that no other
		// goroutine runs there: the runtime never ends the main thread, even
		// for a goroutine that exits locked to it.
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "pdeathsig":
		os.Exit(pdeathsigHelper())
	case "killorphans":
		os.Exit(killOrphansHelper())
	case "lifeline":
		os.Exit(lifelineHelper())
	case "opencgroups":
		os.Exit(openCgroupsHelper())
	}
	os.Exit(m.Run())
}

// script writes an executable shell script and returns its path, for use as
// a Spec's Command.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// start starts spec and makes sure the process is gone when the test ends.
func start(t *testing.T, spec Spec) *Process {
	t.Helper()
	p, err := Start(spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = p.Stop(time.Second) })
	return p
}

// waitFor polls cond until it holds, failing the test after failAfter.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", failAfter, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitDone(t *testing.T, p *Process) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(failAfter):
		t.Fatalf("%s not done after %v", p.Name(), failAfter)
	}
}

// waitLine waits until the process has printed a line starting with prefix
// and returns the rest of it.
func waitLine(t *testing.T, p *Process, prefix string) string {
	t.Helper()
	var rest string
	waitFor(t, fmt.Sprintf("%s to print %q", p.Name(), prefix), func() bool {
		for _, line := range p.Tail() {
			if r, ok := strings.CutPrefix(line, prefix); ok {
				rest = r
				return true
			}
		}
		return false
	})
	return rest
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return n
}

// alive reports whether pid is a live process; a zombie is not alive.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	state := b[i+2]
	return state != 'Z' && state != 'X'
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name       string
		command    string
		wantStatus int
		wantSignal syscall.Signal
		wantMsg    string
	}{
		{"success", "true", 0, 0, ""},
		{"status", "sh -c 'exit 3'", 3, 0, "job exited with status 3"},
		{"not found", "no-such-command-cutover", 127, 0, "job exited with status 127"},
		{"sigkill", "sh -c 'kill -KILL $$'", -1, syscall.SIGKILL, "job killed by signal SIGKILL"},
		{"sigterm", "sh -c 'kill -TERM $$'", -1, syscall.SIGTERM, "job killed by signal SIGTERM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, Spec{Name: "job", Command: tt.command})
			waitDone(t, p)
			err := p.Err()
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v (%T), want an *ExitError", err, err)
			}
			if ee.Status != tt.wantStatus || ee.Signal != tt.wantSignal {
				t.Errorf("got status %d signal %v, want status %d signal %v", ee.Status, ee.Signal, tt.wantStatus, tt.wantSignal)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("got %q, want %q", err.Error(), tt.wantMsg)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestOutput(t *testing.T) {
	var thirty strings.Builder
	var lastTwenty []string
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&thirty, "out %d\n", i)
		if i > 30-DefaultTailLines+1 {
			lastTwenty = append(lastTwenty, fmt.Sprintf("out %d", i))
		}
	}
	tests := []struct {
		name                   string
		body                   string
		wantStdout, wantStderr string
		wantTail               []string
	}{
		{
			name:       "last lines and a partial one",
			body:       `i=1; while [ $i -le 30 ]; do echo "out $i"; i=$((i+1)); done; printf partial`,
			wantStdout: thirty.String() + "partial",
			wantTail:   append(slices.Clone(lastTwenty), "partial"),
		},
		{
			name:       "stderr",
			body:       `echo "err 1" >&2`,
			wantStderr: "err 1\n",
			wantTail:   []string{"err 1"},
		},
		{
			name:     "crlf and a long line",
			body:     `printf 'a\r\n'; head -c 10000 /dev/zero | tr '\0' x; echo`,
			wantTail: []string{"a", strings.Repeat("x", tailLineBytes)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			p := start(t, Spec{Name: "job", Command: script(t, tt.body), Stdout: &stdout, Stderr: &stderr})
			waitDone(t, p)
			if tt.wantStdout != "" && stdout.String() != tt.wantStdout {
				t.Errorf("stdout: got %.60q..., want %.60q...", stdout.String(), tt.wantStdout)
			}
			if got := stderr.String(); got != tt.wantStderr {
				t.Errorf("stderr: got %q, want %q", got, tt.wantStderr)
			}
			if got := p.Tail(); !slices.Equal(got, tt.wantTail) {
				t.Errorf("Tail: got %.200q, want %.200q", got, tt.wantTail)
			}
		})
	}
}

// TestOutputSameWriter gives one writer that is not safe for concurrent use
// as both Stdout and Stderr; the race detector checks writes are serialized.
func TestOutputSameWriter(t *testing.T) {
	var out bytes.Buffer
	body := `i=0; while [ $i -lt 200 ]; do echo out; echo err >&2; i=$((i+1)); done`
	p := start(t, Spec{Name: "job", Command: script(t, body), Stdout: &out, Stderr: &out})
	waitDone(t, p)
	if got, want := out.Len(), 200*len("out\nerr\n"); got != want {
		t.Errorf("got %d bytes, want %d", got, want)
	}
}

func TestSpecEnvDirExtraFiles(t *testing.T) {
	dir := t.TempDir()
	extra, err := os.CreateTemp(t.TempDir(), "extra")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { extra.Close() })
	if _, err := extra.WriteString("from fd 3\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := extra.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	cmd := script(t, `echo "env $GREETING"; echo "dir $(pwd)"; cat <&3`)
	p := start(t, Spec{
		Name: "job", Command: cmd, Dir: dir,
		Env:        []string{"GREETING=hello", "PATH=" + os.Getenv("PATH")},
		ExtraFiles: []*os.File{extra},
	})
	waitDone(t, p)
	want := []string{"env hello", "dir " + dir, "from fd 3"}
	if got := p.Tail(); !slices.Equal(got, want) || p.Err() != nil {
		t.Errorf("got %q, %v, want %q, nil", got, p.Err(), want)
	}
	if p.Name() != "job" || p.Pid() <= 0 || p.Started().IsZero() {
		t.Errorf("got name %q pid %d started %v, want job, a pid and a time", p.Name(), p.Pid(), p.Started())
	}
}

func TestStopGraceful(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string // of Err, "" for nil
	}{
		{"default action", "echo ready; exec sleep 60", "job killed by signal SIGTERM"},
		{"trap and exit 0", `trap 'exit 0' TERM; echo ready; sleep 60 & wait`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, Spec{Name: "job", Command: script(t, tt.body)})
			waitLine(t, p, "ready")
			if err := p.Stop(failAfter); err != nil {
				t.Fatalf("Stop: got %v, want nil", err)
			}
			select {
			case <-p.Done():
			default:
				t.Fatal("Stop returned before Done")
			}
			got := ""
			if err := p.Err(); err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("Err: got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestStopKillsAfterTimeout(t *testing.T) {
	p := start(t, Spec{Name: "stubborn", Command: script(t, `trap '' TERM; echo ready; exec sleep 60`)})
	waitLine(t, p, "ready")
	err := p.Stop(100 * time.Millisecond)
	if !errors.Is(err, ErrKilled) {
		t.Fatalf("Stop: got %v, want ErrKilled", err)
	}
	for _, want := range []string{"stubborn", "100ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Stop: got %q, want it to name %q", err, want)
		}
	}
	if got, want := fmt.Sprint(p.Err()), "stubborn killed by signal SIGKILL"; got != want {
		t.Errorf("Err: got %q, want %q", got, want)
	}
	if err := p.Stop(time.Second); err != nil {
		t.Errorf("second Stop: got %v, want nil", err)
	}
}

func TestGrandchildrenDie(t *testing.T) {
	tests := []struct {
		name string
		body string // prints "child <pid>" of a grandchild that should die
		stop bool
	}{
		{"stop, grandchild obeys SIGTERM", `sleep 60 & echo "child $!"; wait`, true},
		{"stop, grandchild ignores SIGTERM", `sh -c 'trap "" TERM; echo "child $$"; exec sleep 60' & wait`, true},
		{"leader exits by itself", `sh -c 'trap "" TERM; echo "child $$"; exec sleep 60' &
while ! grep -q child "$0.out" 2>/dev/null; do sleep 0.01; done`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if !tt.stop {
				// The leader waits until the grandchild has said its pid.
				body = "exec >\"$0.out\"\n" + body + "\ncat \"$0.out\" >&2"
			}
			p := start(t, Spec{Name: "job", Command: script(t, body)})
			if !tt.stop {
				waitDone(t, p)
			}
			child := atoi(t, waitLine(t, p, "child "))
			t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
			if tt.stop {
				if err := p.Stop(failAfter); err != nil {
					t.Fatalf("Stop: got %v, want nil", err)
				}
			}
			waitFor(t, "the grandchild to die", func() bool { return !alive(child) })
		})
	}
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want error
	}{
		{"empty command", Spec{Name: "web.1", Command: "  "}, ErrNoCommand},
		{"missing dir", Spec{Name: "web.1", Command: "true", Dir: "/no/such/dir"}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Start(tt.spec)
			if !errors.Is(err, tt.want) || p != nil || !strings.Contains(fmt.Sprint(err), "start web.1") {
				t.Errorf("got %v, %v, want nil and an error naming web.1 wrapping %v", p, err, tt.want)
			}
		})
	}
}

func TestSignalAfterExit(t *testing.T) {
	p := start(t, Spec{Name: "job", Command: "true"})
	waitDone(t, p)
	if err := p.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("got %v, want os.ErrProcessDone", err)
	}
}

func TestSignal(t *testing.T) {
	p := start(t, Spec{Name: "job", Command: script(t, `trap 'echo got usr1; exit 0' USR1; echo ready; while :; do sleep 0.05; done`)})
	waitLine(t, p, "ready")
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatalf("Signal: %v", err)
	}
	waitDone(t, p)
	if got := p.Tail(); !slices.Contains(got, "got usr1") || p.Err() != nil {
		t.Errorf("got %q, %v, want a line %q and nil", got, p.Err(), "got usr1")
	}
}

// pdeathsigHelper runs in a re-executed test binary. It starts `sleep 60`
// from a goroutine locked to its thread, lets that thread end, checks the
// sleep survived it, prints "pid <pid>" and waits to be killed.
func pdeathsigHelper() int {
	type result struct {
		p   *Process
		tid int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		p, err := Start(Spec{Name: "sleep", Command: "sleep 60"})
		ch <- result{p, syscall.Gettid(), err}
	}()
	r := <-ch
	if r.err != nil {
		fmt.Println("error:", r.err)
		return 1
	}
	task := fmt.Sprintf("/proc/self/task/%d", r.tid)
	for deadline := time.Now().Add(failAfter); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(task); err != nil {
			break
		}
		if time.Now().After(deadline) {
			fmt.Println("error: the locked thread did not end")
			return 1
		}
	}
	select {
	case <-r.p.Done():
		fmt.Println("error: the child died with the thread that started it:", r.p.Err())
		return 1
	case <-time.After(200 * time.Millisecond):
	}
	fmt.Println("pid", r.p.Pid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

func TestPdeathsig(t *testing.T) {
	helper := exec.Command(os.Args[0])
	helper.Env = append(os.Environ(), helperEnv+"=pdeathsig")
	stdin, err := helper.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = helper.Process.Kill()
		_ = helper.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read from helper: %v", err)
	}
	rest, ok := strings.CutPrefix(line, "pid ")
	if !ok {
		t.Fatalf("helper said %q, want \"pid <pid>\"", line)
	}
	pid := atoi(t, rest)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	if !alive(pid) {
		t.Fatalf("sleep %d is not running while its parent lives", pid)
	}

	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	waitFor(t, "sleep to die with its parent", func() bool { return !alive(pid) })
}
