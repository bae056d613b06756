package sampleapp

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv marks a re-executed test binary that should run Main.
const childEnv = "SAMPLEAPP_TEST_MAIN"

// waitLimit bounds every wait on a child; it is a failure bound, not a
// measured duration.
const waitLimit = 20 * time.Second

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// child is the test binary re-executed as a real sample app process.
type child struct {
	cmd   *exec.Cmd
	lines chan string
	seen  []string
	done  chan struct{}
}

// startChild runs name with args and env on top of a clean environment;
// files become descriptors 3 and up.
func startChild(t *testing.T, env []string, files []*os.File, name string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(name, args...)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "PORT" && !strings.HasPrefix(k, "SAMPLE_") && !strings.HasPrefix(k, "LISTEN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, childEnv+"=1"), env...)
	cmd.ExtraFiles = files
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatalf("pipe: %v", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	pw.Close()
	c := &child{cmd: cmd, lines: make(chan string, 100), done: make(chan struct{})}
	go func() {
		s := bufio.NewScanner(pr)
		for s.Scan() {
			c.lines <- s.Text()
		}
		close(c.lines)
	}()
	go func() {
		cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-c.done
		pr.Close()
	})
	return c
}

func self(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("find test binary: %v", err)
	}
	return exe
}

// waitLine returns the first line matching re, failing after waitLimit or
// when output ends.
func (c *child) waitLine(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(waitLimit)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("output ended without a line matching %q; got:\n%s", re, strings.Join(c.seen, "\n"))
			}
			c.seen = append(c.seen, line)
			if m := rx.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %q within %v; got:\n%s", re, waitLimit, strings.Join(c.seen, "\n"))
		}
	}
}

// exitCode waits for the child to exit and returns its code, -1 if killed.
func (c *child) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(waitLimit):
		t.Fatalf("child still running after %v", waitLimit)
	}
	for line := range c.lines {
		c.seen = append(c.seen, line)
	}
	return c.cmd.ProcessState.ExitCode()
}

func (c *child) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

func (c *child) saw(substr string) bool {
	for _, l := range c.seen {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

func readBody(t *testing.T, url string) string {
	t.Helper()
	_, body := get(t, url)
	return body
}

func TestMainGracefulSIGTERM(t *testing.T) {
	c := startChild(t, []string{"PORT=0", "SAMPLE_VERSION=v2"}, nil, self(t))
	addr := c.waitLine(t, `^listening on (127\.0\.0\.1:\d+) version=v2$`)[1]
	if got, want := readBody(t, "http://"+addr+"/"), "hello from v2\n"; got != want {
		t.Errorf("GET /: got %q, want %q", got, want)
	}

	resp, err := http.Get("http://" + addr + "/sse?n=3&every=100ms")
	if err != nil {
		t.Fatalf("GET /sse: %v", err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != "id: 0\n" {
		t.Fatalf("first line: got %q, %v; want the first event", line, err)
	}
	c.signal(t, syscall.SIGTERM)
	c.waitLine(t, `^shutting down`)
	rest, err := io.ReadAll(r)
	if err != nil || !strings.HasSuffix(string(rest), "data: event 2 from v2\n\n") {
		t.Errorf("rest of stream: got %q, %v; want it to end with event 2", rest, err)
	}
	if code := c.exitCode(t); code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
}

// TestMainSIGTERMWithTinyShutdownTimeout: with --shutdown-timeout 1ms the app exits almost at once
// on SIGTERM and cuts what is in flight, as many apps do. The deploy drain test relies on it: only
// cutover's drain can then save a slow request on the old release.
func TestMainSIGTERMWithTinyShutdownTimeout(t *testing.T) {
	c := startChild(t, []string{"PORT=0", "SAMPLE_SHUTDOWN_TIMEOUT=1ms"}, nil, self(t))
	addr := c.waitLine(t, `^listening on (127\.0\.0\.1:\d+) `)[1]
	resp, err := http.Get("http://" + addr + "/sse?n=1000&every=100ms")
	if err != nil {
		t.Fatalf("GET /sse: %v", err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != "id: 0\n" {
		t.Fatalf("first line: got %q, %v; want the first event", line, err)
	}
	c.signal(t, syscall.SIGTERM)
	rest, _ := io.ReadAll(r)
	if strings.Contains(string(rest), "event 999") {
		t.Errorf("the stream in flight at SIGTERM ran to its end, want it cut")
	}
	if code := c.exitCode(t); code != 1 {
		t.Errorf("exit code: got %d, want 1 (in-flight requests cut)", code)
	}
}

func TestMainIgnoreSIGTERM(t *testing.T) {
	c := startChild(t, []string{"PORT=0"}, nil, self(t), "--ignore-sigterm")
	addr := c.waitLine(t, `^listening on (\S+) `)[1]
	c.signal(t, syscall.SIGTERM)
	c.waitLine(t, `^ignoring SIGTERM$`)
	if resp, _ := get(t, "http://"+addr+"/up"); resp.StatusCode != 200 {
		t.Errorf("/up after SIGTERM: got %d, want 200", resp.StatusCode)
	}
	c.signal(t, syscall.SIGKILL)
	c.exitCode(t)
	if ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("got %v, want the child killed by SIGKILL", c.cmd.ProcessState)
	}
}

func TestMainBootFailures(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		wantLine string
	}{
		{"crash at boot", []string{"PORT=0"}, []string{"--crash-at-boot"}, 1, "error: crashing at boot"},
		{"crash at boot from env", []string{"PORT=0", "SAMPLE_CRASH_AT_BOOT=true"}, nil, 1, "error: crashing at boot"},
		{"no PORT", nil, nil, 1, "error: PORT is not set"},
		{"bad flag", []string{"PORT=0"}, []string{"--bogus"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startChild(t, tt.env, nil, self(t), tt.args...)
			if code := c.exitCode(t); code != tt.wantCode {
				t.Errorf("exit code: got %d, want %d", code, tt.wantCode)
			}
			if !c.saw(tt.wantLine) {
				t.Errorf("output: got %q, want a line with %q", c.seen, tt.wantLine)
			}
		})
	}
}

func TestMainSIGTERMDuringBootDelay(t *testing.T) {
	c := startChild(t, []string{"PORT=0", "SAMPLE_BOOT_DELAY=1h"}, nil, self(t))
	c.waitLine(t, `^booting delay=1h0m0s$`)
	c.signal(t, syscall.SIGTERM)
	if code := c.exitCode(t); code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
	if c.saw("listening on") {
		t.Errorf("output: got %q, want no listening line", c.seen)
	}
}
