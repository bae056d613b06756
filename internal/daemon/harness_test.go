package daemon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/cli"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestMain puts a `cutover` command on PATH that re-enters this test binary, so the daemon runs as a
// real `cutover serve` process and the apps it deploys as real `cutover sample-app` children.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cutover": func() { os.Exit(cli.Main()) }, "wipe-environ": wipeEnviron})
}

// bound is the longest any wait in these tests may take before the test fails.
const bound = 60 * time.Second

// daemonProc is a `cutover serve` process under test.
type daemonProc struct {
	t      *testing.T
	state  string
	addr   string
	cmd    *exec.Cmd
	out    *syncBuffer
	client *control.Client
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDaemon runs `cutover serve` on state and a free loopback port (or addr, when restarting),
// with extra flags of serve.
func startDaemon(t *testing.T, state, addr string, extra ...string) *daemonProc {
	t.Helper()
	return startDaemonLimited(t, 0, state, addr, extra...)
}

// startProcess starts cmd, a server the test needs, with its output kept; at the test's end it is
// sent SIGTERM and waited for (unless the test ended it), and its output logged if the test failed.
func startProcess(t *testing.T, name string, cmd *exec.Cmd) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out)
		}
	})
	return out
}

// startDaemonLimited is startDaemon with the daemon's open-file limit (RLIMIT_NOFILE, soft and
// hard) set to nofile by prlimit(1); zero leaves it inherited.
func startDaemonLimited(t *testing.T, nofile int, state, addr string, extra ...string) *daemonProc {
	t.Helper()
	if addr == "" {
		addr = freeport.ForTest(t)
	}
	d := &daemonProc{t: t, state: state, addr: addr, client: control.NewClient(state)}
	args := append([]string{"cutover", "serve", "--state", state, "--listen", addr}, extra...)
	if nofile > 0 {
		args = append([]string{"prlimit", fmt.Sprintf("--nofile=%d:%d", nofile, nofile), "--"}, args...)
	}
	d.cmd = exec.Command(args[0], args[1:]...)
	d.out = startProcess(t, "daemon", d.cmd)
	waitFor(t, "the daemon to answer", func() bool {
		_, err := d.client.Apps(context.Background()) // answers whatever the apps
		return err == nil
	})
	waitFor(t, "the proxy to accept", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return d
}

func (d *daemonProc) url(path string) string { return "http://" + d.addr + path }

// deploy runs one deploy and returns its release, error and events; onEvent, if given, sees each
// event as it happens.
func (d *daemonProc) deploy(req deploy.Request, onEvent ...func(deploy.Event)) (*release.Release, []deploy.Event, error) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	var events []deploy.Event
	rel, err := d.client.Deploy(ctx, unbaked(req), func(e deploy.Event) {
		events = append(events, e)
		for _, f := range onEvent {
			f(e)
		}
	})
	return rel, events, err
}

// unbaked is req with no bake after the switch unless it asks for one: the tests that are not
// about the bake would otherwise each wait config.DefaultBake.
func unbaked(req deploy.Request) deploy.Request {
	if req.Overrides.Bake == "" {
		req.Overrides.Bake = "off"
	}
	return req
}

func (d *daemonProc) mustDeploy(app string) *release.Release {
	d.t.Helper()
	rel, events, err := d.deploy(deploy.Request{Source: app})
	if err != nil {
		d.t.Fatalf("deploy %s: %v\nevents: %+v", app, err, events)
	}
	return rel
}

// version asks the public address which release answers.
func (d *daemonProc) version() string {
	d.t.Helper()
	resp, err := http.Get(d.url("/"))
	if err != nil {
		d.t.Fatalf("GET /: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		d.t.Fatalf("GET /: got %s, want 200", resp.Status)
	}
	return resp.Header.Get("X-App-Version")
}

// body fetches path from the public address and returns the body.
func (d *daemonProc) body(path string) string {
	d.t.Helper()
	resp, err := http.Get(d.url(path))
	if err != nil {
		d.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// writeApp writes an app directory with a Procfile and an optional cutover.toml.
func writeApp(t *testing.T, procfile, toml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644); err != nil {
		t.Fatal(err)
	}
	if toml != "" {
		if err := os.WriteFile(filepath.Join(dir, "cutover.toml"), []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sampleApp is an app whose web process is the built-in sample app at version v with extra flags.
func sampleApp(t *testing.T, v string, flags string, toml string) string {
	return writeApp(t, fmt.Sprintf("web: cutover sample-app --version %s %s\n", v, flags), toml)
}

// appProcesses lists the pids of processes started for the daemon of state, by the marker in their
// environment (the state dir's, or one of its apps'), with their CUTOVER_RELEASE.
func appProcesses(t *testing.T, state string) map[int]string {
	t.Helper()
	abs, _ := filepath.Abs(state)
	marker := "CUTOVER_STATE=" + abs
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		vars := strings.Split(string(env), "\x00")
		found, rel := false, ""
		for _, v := range vars {
			if v == marker || strings.HasPrefix(v, marker+"/apps/") {
				found = true
			}
			if r, ok := strings.CutPrefix(v, "CUTOVER_RELEASE="); ok {
				rel = r
			}
		}
		if found && !isZombie(pid) {
			out[pid] = rel
		}
	}
	return out
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || s[i+2] == 'Z'
}

// waitFor polls cond until it holds, failing the test after bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventTime is when the first event of a step and kind happened.
func eventTime(t *testing.T, events []deploy.Event, step string, kind deploy.Kind) time.Time {
	t.Helper()
	for _, e := range events {
		if e.Step == step && e.Kind == kind {
			return e.Time
		}
	}
	t.Fatalf("no %s event for step %q in %+v", kind, step, events)
	return time.Time{}
}

// startLoad runs one load generator per opts (bounded, keeping samples) until the returned function
// is called, which stops them and returns their results in order.
func startLoad(t *testing.T, opts ...loadgen.Options) func() []*loadgen.Result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	results := make([]*loadgen.Result, len(opts))
	var wg sync.WaitGroup
	for i, o := range opts {
		o.Duration, o.KeepSamples, o.VersionHeader = bound, true, "X-App-Version"
		wg.Go(func() {
			r, err := loadgen.Run(ctx, o)
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("load: %v", err)
			}
			results[i] = r
		})
	}
	t.Cleanup(cancel)
	return func() []*loadgen.Result {
		cancel()
		wg.Wait()
		return results
	}
}
